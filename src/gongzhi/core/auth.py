"""Phone + password login (argon2), with a back-off per phone and per client address (`rules.login_throttle`).

Nothing here tells a stranger whether a number is registered: a wrong password, an unknown phone and an inactive
account all read "手机号或密码错误"; an unknown phone costs the same password hashing as a known one (checked
against a dummy hash); and the back-off is counted on the phone as typed, so a throttled answer is the same too."""

from __future__ import annotations

import datetime
import math
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError, LoginThrottled, ValidationFailed
from gongzhi.core.models import LoginThrottle, User
from gongzhi.rules import login_throttle as rule
from gongzhi.rules import phone as phone_rule
from gongzhi.rules.masking import mask_phone


class PhoneBackend(ModelBackend):
    """Sessions of inactive (locked) accounts stop at once: ModelBackend refuses them on every request."""


class InvalidCredentials(ValidationFailed):
    code = "invalid_credentials"
    default_message = _("手机号或密码错误")


def policy(kind: str) -> rule.Policy:
    """The back-off for "phone" or "client" from settings (LOGIN_THROTTLE_PHONE, LOGIN_THROTTLE_CLIENT)."""
    conf = settings.LOGIN_THROTTLE_PHONE if kind == "phone" else settings.LOGIN_THROTTLE_CLIENT
    return rule.Policy(
        from_failure=int(conf["from_failure"]),
        first_wait=datetime.timedelta(seconds=conf["first_wait_seconds"]),
        max_wait=datetime.timedelta(seconds=conf["max_wait_seconds"]),
        forget_after=datetime.timedelta(seconds=settings.LOGIN_THROTTLE_FORGET_AFTER_SECONDS),
    )


_DUMMY_HASHES: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash of a random password made once per process with the default hasher and its current parameters, so
    checking an unknown phone's password costs what checking a real account's does."""
    algorithm = str(get_hasher("default").algorithm)
    if algorithm not in _DUMMY_HASHES:
        _DUMMY_HASHES[algorithm] = make_password(secrets.token_urlsafe(24))
    return _DUMMY_HASHES[algorithm]


def user_login_attempt(*, phone: str, password: str, client: str) -> User:
    """Checks a login from `client` (the request's REMOTE_ADDR). Failures are counted and committed even though the
    caller gets an error; a try during a wait is refused unhashed and uncounted."""
    now = timezone.now()
    try:
        normalized: str | None = phone_rule.validate(phone)
    except ValueError as exc:
        normalized, format_error = None, str(exc)
    phone_key = rule.phone_key(normalized) if normalized else None
    keys = sorted(k for k in (phone_key, rule.client_key(client)) if k)
    # Unlocked first look: a throttled try costs neither a hash nor a lock.
    retry = _retry_at(LoginThrottle.objects.filter(key__in=keys), now)
    if retry is not None:
        raise throttled(retry, now)
    user: User | None = None
    if normalized is not None:
        found = User.objects.filter(phone=normalized).first()
        if found is None:
            check_password(password, dummy_hash())
        elif found.check_password(password) and found.is_active:
            user = found
        known_id = found.pk if found is not None else None
    else:
        known_id = None
    user, error = _settle(keys=keys, phone_key=phone_key, user=user, known_id=known_id, client=client, now=now)
    if error is not None:
        if normalized is None and not isinstance(error, LoginThrottled):
            raise InvalidCredentials(format_error)
        raise error
    assert user is not None
    return user


def throttled(retry: datetime.datetime, now: datetime.datetime) -> LoginThrottled:
    return LoginThrottled(
        gettext("尝试次数过多，请于 %(time)s 后再试") % {"time": timezone.localtime(retry).strftime("%H:%M:%S")},
        extra={"retry_after": retry.isoformat(), "retry_after_seconds": math.ceil((retry - now).total_seconds())},
    )


def _state(row: LoginThrottle) -> rule.State:
    return rule.State(failures=row.failures, blocked_until=row.blocked_until, last_failed_at=row.last_failed_at)


def _retry_at(rows: Any, now: datetime.datetime) -> datetime.datetime | None:
    times = [t for t in (rule.retry_at(_state(r), now=now) for r in rows) if t is not None]
    return max(times, default=None)


@transaction.atomic
def _settle(
    *,
    keys: list[str],
    phone_key: str | None,
    user: User | None,
    known_id: int | None,
    client: str,
    now: datetime.datetime,
) -> tuple[User | None, ApplicationError | None]:
    """Counts a failure on every key, or clears the phone's count after a success, under row locks taken in key
    order. A wait that another failure started while this try was hashing refuses it, even with the right password.
    One audit event: `login.failed`, `login.throttled` when this failure starts a wait, or `login.throttle_reset`."""
    rows = {r.key: r for r in LoginThrottle.objects.select_for_update().filter(key__in=keys).order_by("key")}
    retry = _retry_at(rows.values(), now)
    if retry is not None:
        return None, throttled(retry, now)
    if user is not None:
        row = rows.get(phone_key or "")
        if row is not None and row.failures:
            before = {"failures": row.failures}
            row.failures, row.blocked_until, row.last_failed_at = 0, None, None
            row.save(update_fields=["failures", "blocked_until", "last_failed_at"])
            audit.record(actor=user, verb="login.throttle_reset", obj=row, community_id=None, before=before)
        return user, None
    if not keys:
        return None, InvalidCredentials()
    for key in keys:
        if key not in rows:
            LoginThrottle.objects.get_or_create(key=key)
            rows[key] = LoginThrottle.objects.select_for_update().get(key=key)
    after: dict[str, Any] = {"client": rule.client_key(client), "user": known_id}
    started: datetime.datetime | None = None
    for key, row in sorted(rows.items()):
        state = rule.record_failure(_state(row), now=now, policy=policy("phone" if key == phone_key else "client"))
        row.failures, row.blocked_until, row.last_failed_at = state.failures, state.blocked_until, now
        row.save(update_fields=["failures", "blocked_until", "last_failed_at"])
        kind = "phone" if key == phone_key else "client"
        after[f"{kind}_failures"] = state.failures
        if state.blocked_until is not None:
            after[f"{kind}_blocked_until"] = state.blocked_until
            started = max(started or state.blocked_until, state.blocked_until)
    if phone_key:
        after["phone"] = mask_phone(phone_key.removeprefix("phone:"))
    subject = rows[phone_key] if phone_key else rows[keys[0]]
    verb = "login.throttled" if started is not None else "login.failed"
    audit.record(actor=None, verb=verb, obj=subject, community_id=None, after=after)
    return None, InvalidCredentials()
