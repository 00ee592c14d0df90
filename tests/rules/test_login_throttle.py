"""Every branch of rules.login_throttle: the wait table, doubling to the cap, forgetting, retry times, keys."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.rules import login_throttle as lt

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
S = datetime.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (1, 0), (4, 0), (5, 30), (6, 60), (7, 120), (8, 240), (9, 480), (10, 900), (11, 900), (10_000, 900)],
)
def test_phone_waits_start_at_the_fifth_failure_and_double_to_fifteen_minutes(failures, seconds):
    assert lt.wait_after(failures, lt.PHONE) == seconds * S


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (19, 0), (20, 60), (21, 120), (22, 240), (23, 480), (24, 960), (25, 1920), (26, 3600), (10**6, 3600)],
)
def test_client_waits_start_at_the_twentieth_failure_and_double_to_an_hour(failures, seconds):
    assert lt.wait_after(failures, lt.CLIENT) == seconds * S


def test_a_cap_that_is_not_a_doubling_is_reached_exactly():
    policy = lt.Policy(from_failure=1, first_wait=10 * S, max_wait=25 * S, forget_after=60 * S)
    assert [lt.wait_after(n, policy) for n in (1, 2, 3, 4)] == [10 * S, 20 * S, 25 * S, 25 * S]


def test_first_wait_equal_to_cap():
    policy = lt.Policy(from_failure=2, first_wait=5 * S, max_wait=5 * S, forget_after=6 * S)
    assert [lt.wait_after(n, policy) for n in (1, 2, 3)] == [0 * S, 5 * S, 5 * S]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"from_failure": 0},
        {"first_wait": 0 * S},
        {"first_wait": -1 * S},
        {"max_wait": 29 * S},
        {"forget_after": 900 * S},
        {"forget_after": 10 * S},
    ],
)
def test_inconsistent_policies_are_refused(kwargs):
    args = {"from_failure": 5, "first_wait": 30 * S, "max_wait": 900 * S, "forget_after": 86400 * S}
    with pytest.raises(ValueError, match="must"):
        lt.Policy(**{**args, **kwargs})


def test_default_policies_forget_after_a_day():
    assert lt.PHONE.forget_after == lt.CLIENT.forget_after == datetime.timedelta(days=1)


def test_failures_count_up_and_the_fifth_starts_a_thirty_second_wait():
    state = lt.State()
    for n in range(1, 5):
        state = lt.record_failure(state, now=NOW, policy=lt.PHONE)
        assert state == lt.State(failures=n, blocked_until=None, last_failed_at=NOW)
        assert lt.retry_at(state, now=NOW) is None
    state = lt.record_failure(state, now=NOW, policy=lt.PHONE)
    assert state == lt.State(failures=5, blocked_until=NOW + 30 * S, last_failed_at=NOW)
    assert lt.retry_at(state, now=NOW) == NOW + 30 * S
    assert lt.retry_at(state, now=NOW + 29 * S) == NOW + 30 * S
    assert lt.retry_at(state, now=NOW + 30 * S) is None  # the wait's end is the first moment allowed


def test_each_failure_after_the_wait_doubles_it_up_to_the_cap():
    state, at = lt.State(), NOW
    waits = []
    for _ in range(12):
        state = lt.record_failure(state, now=at, policy=lt.PHONE)
        waits.append(int(((state.blocked_until or at) - at).total_seconds()))
        at = state.blocked_until or at + S
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]


def test_a_quiet_day_forgets_the_count():
    state = lt.State(failures=9, blocked_until=NOW + 480 * S, last_failed_at=NOW)
    just_before = lt.record_failure(state, now=NOW + datetime.timedelta(days=1) - S, policy=lt.PHONE)
    assert just_before.failures == 10 and just_before.blocked_until is not None
    after = lt.record_failure(state, now=NOW + datetime.timedelta(days=1), policy=lt.PHONE)
    assert after == lt.State(failures=1, blocked_until=None, last_failed_at=NOW + datetime.timedelta(days=1))


def test_a_state_without_a_last_failure_starts_from_one():
    # A row that a success cleared keeps no date: its next failure is the first.
    state = lt.State(failures=7, blocked_until=None, last_failed_at=None)
    assert lt.record_failure(state, now=NOW, policy=lt.PHONE).failures == 1


def test_retry_at_of_the_empty_and_of_a_past_block():
    assert lt.retry_at(lt.State(), now=NOW) is None
    assert lt.retry_at(lt.State(failures=5, blocked_until=NOW - S, last_failed_at=NOW - 31 * S), now=NOW) is None


def test_phone_key():
    assert lt.phone_key("13800000001") == "phone:13800000001"


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "ip:203.0.113.7"),
        (" 203.0.113.7 ", "ip:203.0.113.7"),
        ("::ffff:203.0.113.7", "ip:203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64"),
        ("2001:db8:1:2::9", "ip:2001:db8:1:2::/64"),
        ("::1", "ip:::/64"),
        ("", None),
        ("unknown", None),
        ("203.0.113.7, 10.0.0.1", None),
    ],
)
def test_client_key(address, key):
    assert lt.client_key(address) == key


def test_one_ipv6_subscriber_shares_one_count():
    assert lt.client_key("2001:db8:aa:bb::1") == lt.client_key("2001:db8:aa:bb:ffff::2")
    assert lt.client_key("2001:db8:aa:bb::1") != lt.client_key("2001:db8:aa:bc::1")
