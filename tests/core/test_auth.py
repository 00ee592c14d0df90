from __future__ import annotations

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.utils import timezone

from gongzhi.core.auth import user_login_attempt
from gongzhi.core.errors import ApplicationError, LoginThrottled
from gongzhi.core.models import AuditEvent, LoginThrottle, User
from tests import factories


def test_production_hasher_is_argon2():
    from gongzhi import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_argon2_hash_round_trip(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    hasher = get_hasher("argon2")
    encoded = hasher.encode("correct horse", hasher.salt())
    assert encoded.startswith("argon2$") and hasher.verify("correct horse", encoded)


@pytest.mark.django_db
def test_login_with_phone_and_password():
    user = factories.make_user()
    client = Client()
    response = client.post("/login/", {"phone": user.phone, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_wrong_password_gives_chinese_message_and_no_session():
    user = factories.make_user()
    client = Client()
    response = client.post("/login/", {"phone": user.phone, "password": "wrong-password"})
    assert response.status_code == 200
    assert "手机号或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_bad_phone_format_is_refused_with_message():
    with pytest.raises(ApplicationError) as err:
        user_login_attempt(phone="12345", password="x", client=STRANGER)
    assert "手机号" in str(err.value.message)


STRANGER, OWNER = "203.0.113.7", "198.51.100.20"


def attempt(phone: str, password: str, client: str = STRANGER) -> User:
    return user_login_attempt(phone=phone, password=password, client=client)


def fail_times(n: int, phone: str, client: str = STRANGER) -> list[str]:
    codes = []
    for _ in range(n):
        with pytest.raises(ApplicationError) as err:
            attempt(phone, "wrong-password", client)
        codes.append(err.value.code)
    return codes


@pytest.mark.django_db
def test_a_strangers_five_wrong_tries_only_make_the_owner_wait_thirty_seconds(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    assert fail_times(5, user.phone) == ["invalid_credentials"] * 5
    # The phone waits 30 s, for everyone (the owner included), with the right password too.
    with pytest.raises(LoginThrottled) as err:
        attempt(user.phone, factories.PASSWORD, OWNER)
    assert err.value.code == "throttled" and err.value.status == 429
    assert err.value.extra["retry_after_seconds"] == 30
    assert "尝试次数过多，请于" in str(err.value.message) and "后再试" in str(err.value.message)
    time_machine.shift(30)
    assert attempt(user.phone, factories.PASSWORD, OWNER).pk == user.pk
    assert User.objects.get(pk=user.pk).is_active
    # The success cleared the phone's count: a slip of the owner's now is a first failure again.
    assert LoginThrottle.objects.get(key=f"phone:{user.phone}").failures == 0
    assert fail_times(1, user.phone, OWNER) == ["invalid_credentials"]


@pytest.mark.django_db
def test_a_stranger_who_keeps_trying_never_shuts_the_owner_out_for_more_than_fifteen_minutes(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    waits = []
    for _ in range(12):
        fail_times(1, user.phone)
        row = LoginThrottle.objects.get(key=f"phone:{user.phone}")
        wait = (row.blocked_until - timezone.now()).total_seconds() if row.blocked_until else 0
        waits.append(int(wait))
        time_machine.shift(wait)
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]
    assert User.objects.get(pk=user.pk).is_active  # no lock: the account itself is never touched
    assert attempt(user.phone, factories.PASSWORD, OWNER).pk == user.pk


@pytest.mark.django_db
def test_tries_during_a_wait_are_refused_uncounted_and_unhashed(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    fail_times(5, user.phone)
    with CountingHasher() as hasher:
        assert fail_times(3, user.phone) == ["throttled"] * 3
    assert hasher.calls == 0
    assert LoginThrottle.objects.get(key=f"phone:{user.phone}").failures == 5


@pytest.mark.django_db
def test_a_wait_started_while_the_right_password_was_being_checked_still_refuses_it(time_machine):
    """The first look at the counts is unlocked (a throttled try costs no hash); the decision re-reads them under
    the row locks, so a stranger's fifth failure landing during the owner's hashing wins."""
    from unittest import mock

    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    fail_times(4, user.phone)
    real = User.check_password

    def check_while_a_stranger_fails(self, raw):  # type: ignore[no-untyped-def]
        with mock.patch.object(User, "check_password", real):
            fail_times(1, user.phone)
        return real(self, raw)

    with mock.patch.object(User, "check_password", check_while_a_stranger_fails), pytest.raises(LoginThrottled):
        attempt(user.phone, factories.PASSWORD, OWNER)
    assert LoginThrottle.objects.get(key=f"phone:{user.phone}").failures == 5  # the refused try is not counted
    time_machine.shift(30)
    assert attempt(user.phone, factories.PASSWORD, OWNER).pk == user.pk


@pytest.mark.django_db
def test_one_client_guessing_many_phones_waits_from_its_twentieth_failure(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    for i in range(20):
        fail_times(1, f"139{i:08d}")
    # The twentieth failure from this address starts a one-minute wait, whatever the phone.
    assert fail_times(1, user.phone) == ["throttled"]
    assert attempt(user.phone, factories.PASSWORD, OWNER).pk == user.pk  # other addresses are not affected
    time_machine.shift(60)
    assert fail_times(1, "13900000099") == ["invalid_credentials"]
    assert fail_times(1, "13900000098") == ["throttled"]  # the 21st failure: two minutes
    assert LoginThrottle.objects.get(key=f"ip:{STRANGER}").failures == 21


@pytest.mark.django_db
def test_a_success_does_not_clear_the_clients_count(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    for i in range(10):
        fail_times(1, f"139{i:08d}")
    attempt(user.phone, factories.PASSWORD)
    assert LoginThrottle.objects.get(key=f"ip:{STRANGER}").failures == 10


@pytest.mark.django_db
def test_unknown_and_known_phones_get_the_same_answers(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    known = factories.make_user().phone
    unknown = "13999999999"
    assert not User.objects.filter(phone=unknown).exists()
    answers = {}
    for phone in (known, unknown):
        failures = []
        for _ in range(6):
            with pytest.raises(ApplicationError) as err:
                attempt(phone, "wrong-password", client=f"192.0.2.{len(answers) + 1}")
            failures.append((type(err.value), err.value.code, str(err.value.message), err.value.extra))
        answers[phone] = failures
    assert answers[known] == answers[unknown]
    assert answers[known][0][1:3] == ("invalid_credentials", "手机号或密码错误")
    assert answers[known][5][1] == "throttled"


@pytest.mark.django_db
def test_inactive_account_reads_like_a_wrong_password():
    user = factories.make_user()
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(ApplicationError) as err:
        attempt(user.phone, factories.PASSWORD)
    assert (err.value.code, str(err.value.message)) == ("invalid_credentials", "手机号或密码错误")


class CountingHasher:
    """Counts password verifications by the test hasher (MD5, see tests/conftest.py): never by timing."""

    def __enter__(self) -> CountingHasher:
        from unittest import mock

        from django.contrib.auth.hashers import MD5PasswordHasher

        self.calls = 0
        real = MD5PasswordHasher.verify

        def verify(hasher, password, encoded):  # type: ignore[no-untyped-def]
            self.calls += 1
            return real(hasher, password, encoded)

        self._patch = mock.patch.object(MD5PasswordHasher, "verify", verify)
        self._patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._patch.stop()


@pytest.mark.django_db
def test_an_unknown_phone_costs_the_same_password_check_as_a_known_one():
    known = factories.make_user().phone
    with CountingHasher() as hasher:
        fail_times(1, known)
    assert hasher.calls == 1
    with CountingHasher() as hasher:
        fail_times(1, "13999999998")
    assert hasher.calls == 1
    with CountingHasher() as hasher:
        attempt(known, factories.PASSWORD)
    assert hasher.calls == 1


@pytest.mark.django_db
def test_failures_and_waits_are_audited_without_the_full_phone(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    fail_times(5, user.phone)
    events = list(AuditEvent.objects.filter(object_type="core.loginthrottle").order_by("seq"))
    assert [e.verb for e in events] == ["login.failed"] * 4 + ["login.throttled"]
    last = events[-1].after
    assert last["phone_failures"] == 5 and last["client"] == f"ip:{STRANGER}" and last["user"] == user.pk
    assert user.phone not in str([e.after for e in events])
    time_machine.shift(30)
    attempt(user.phone, factories.PASSWORD)
    reset = AuditEvent.objects.filter(verb="login.throttle_reset").get()
    assert reset.actor_id == user.pk and reset.before == {"failures": 5}


@pytest.mark.django_db
def test_login_page_answers_429_when_throttled(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    client = Client(REMOTE_ADDR=STRANGER)
    for _ in range(5):
        assert client.post("/login/", {"phone": user.phone, "password": "nope"}).status_code == 200
    response = client.post("/login/", {"phone": user.phone, "password": factories.PASSWORD})
    assert response.status_code == 429 and "尝试次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_goes_through_the_app_login():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_demo_logins_listed_only_in_demo_mode(settings):
    from gongzhi.core.roles import Role
    from gongzhi.demo.people.specs import DEMO_PASSWORD

    site = factories.make_community(residents_per_household=0)
    user = factories.make_user(Role.SECRETARY, place=site.community)
    user.phone = "13800000001"
    user.save(update_fields=["phone"])
    settings.DEMO_MODE = False
    assert DEMO_PASSWORD not in Client().get("/login/").content.decode()
    settings.DEMO_MODE = True
    html = Client().get("/login/").content.decode()
    assert 'id="demo-logins"' in html and "13800000001" in html
