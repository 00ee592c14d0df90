"""Satisfaction, one reopening within the window, and "me too": every branch of rules.voice_feedback."""

from __future__ import annotations

import datetime
import itertools

import pytest

from gongzhi.rules import voice_feedback as vf

pytestmark = pytest.mark.date_sensitive

CLOSED_AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def rate(**kw):  # type: ignore[no-untyped-def]
    args = {
        "is_reporter": True,
        "is_open": False,
        "is_merged": False,
        "closed_at": CLOSED_AT,
        "already_rated": False,
        "rating": 4,
    }
    return vf.rate_refusal(**{**args, **kw})


def reopen(**kw):  # type: ignore[no-untyped-def]
    args = {
        "is_reporter": True,
        "is_open": False,
        "is_merged": False,
        "closed_at": CLOSED_AT,
        "reopen_count": 0,
        "now": CLOSED_AT + datetime.timedelta(days=1),
    }
    return vf.reopen_refusal(**{**args, **kw})


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_the_reporter_rates_a_closed_voice_from_1_to_5(rating):
    assert rate(rating=rating) is None


@pytest.mark.parametrize("rating", [0, 6, -1, 3.5, "4", None, True, False])
def test_anything_else_is_a_bad_rating(rating):
    assert rate(rating=rating) == "bad_rating"


def test_only_the_reporter_rates():
    assert rate(is_reporter=False) == "not_reporter"


@pytest.mark.parametrize(
    "state",
    [
        {"is_open": True},
        {"is_merged": True},
        {"closed_at": None},
        {"is_open": True, "closed_at": None},
    ],
)
def test_an_open_or_merged_voice_is_not_closed_for_rating(state):
    assert rate(**state) == "not_closed"


def test_a_rating_is_given_once():
    assert rate(already_rated=True) == "already_rated"


def test_rating_checks_who_then_state_then_value():
    assert rate(is_reporter=False, is_open=True, rating=9) == "not_reporter"
    assert rate(is_open=True, already_rated=True, rating=9) == "not_closed"
    assert rate(already_rated=True, rating=9) == "already_rated"


def test_reopen_inside_the_window_including_its_last_moment():
    assert reopen() is None
    assert reopen(now=CLOSED_AT) is None
    assert reopen(now=CLOSED_AT + vf.REOPEN_WINDOW) is None
    assert vf.reopen_deadline(CLOSED_AT) == CLOSED_AT + datetime.timedelta(days=7)


def test_reopen_after_the_window_is_refused():
    assert reopen(now=CLOSED_AT + vf.REOPEN_WINDOW + datetime.timedelta(seconds=1)) == "reopen_window_passed"
    assert reopen(now=CLOSED_AT + datetime.timedelta(days=30)) == "reopen_window_passed"


def test_a_community_may_pass_its_own_window():
    three_days = datetime.timedelta(days=3)
    now = CLOSED_AT + datetime.timedelta(days=4)
    assert reopen(now=now, window=three_days) == "reopen_window_passed"
    assert reopen(now=now, window=datetime.timedelta(days=5)) is None


def test_reopen_is_once_and_for_the_reporter_only():
    assert reopen(reopen_count=1) == "already_reopened"
    assert reopen(reopen_count=2) == "already_reopened"
    assert reopen(is_reporter=False) == "not_reporter"


def test_a_second_reopen_while_the_voice_is_open_again_says_once():
    # After the first reopening the voice is open: the resident is told it can be done once, not "not closed".
    assert reopen(is_open=True, closed_at=None, reopen_count=1) == "already_reopened"


@pytest.mark.parametrize("state", [{"is_open": True}, {"is_merged": True}, {"closed_at": None}])
def test_only_a_closed_voice_is_reopened(state):
    assert reopen(**state) == "not_closed"


def test_me_too_on_someone_elses_open_voice_once():
    assert vf.me_too_refusal(is_reporter=False, already_following=False, is_open=True) is None
    assert vf.me_too_refusal(is_reporter=True, already_following=True, is_open=True) == "own_voice"
    assert vf.me_too_refusal(is_reporter=False, already_following=True, is_open=True) == "already_me_too"
    assert vf.me_too_refusal(is_reporter=False, already_following=False, is_open=False) == "voice_closed"


def test_me_too_every_combination_is_allowed_only_in_one():
    allowed = [
        combo
        for combo in itertools.product([True, False], repeat=3)
        if vf.me_too_refusal(is_reporter=combo[0], already_following=combo[1], is_open=combo[2]) is None
    ]
    assert allowed == [(False, False, True)]


def test_a_voice_rated_satisfied_is_not_reopened():
    assert reopen(rating=5) == "rated_satisfied"
    assert reopen(rating=4) == "rated_satisfied"
    assert reopen(rating=3) is None
    assert reopen(rating=1) is None
    assert reopen(rating=None) is None


def test_a_rating_belongs_to_the_latest_closure():
    later = CLOSED_AT + datetime.timedelta(days=3)
    assert vf.rated_this_round(CLOSED_AT + datetime.timedelta(hours=1), CLOSED_AT)
    assert vf.rated_this_round(CLOSED_AT, CLOSED_AT)
    assert not vf.rated_this_round(CLOSED_AT + datetime.timedelta(hours=1), later)  # rated, reopened, closed again
    assert not vf.rated_this_round(None, CLOSED_AT)
    assert not vf.rated_this_round(CLOSED_AT, None)  # open again after a reopening
