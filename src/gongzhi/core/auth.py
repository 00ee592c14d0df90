"""Phone + password login (argon2), with a lock after repeated failures."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit
from gongzhi.core.errors import AccountLocked, ApplicationError, ValidationFailed
from gongzhi.core.models import User
from gongzhi.rules import phone as phone_rule


class PhoneBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if user.locked_until and user.locked_until > timezone.now():
            return False
        return super().user_can_authenticate(user)


class InvalidCredentials(ValidationFailed):
    code = "invalid_credentials"
    default_message = _("手机号或密码错误")


def user_login_attempt(*, phone: str, password: str) -> User:
    """Checks a login. Failures are counted and committed even though the caller gets an error."""
    user, error = _login_check(phone=phone, password=password)
    if error is not None:
        raise error
    assert user is not None
    return user


@transaction.atomic
def _login_check(*, phone: str, password: str) -> tuple[User | None, ApplicationError | None]:
    try:
        normalized = phone_rule.validate(phone)
    except ValueError as exc:
        return None, InvalidCredentials(str(exc))
    user = User.objects.select_for_update().filter(phone=normalized).first()
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        return None, AccountLocked(extra={"locked_until": user.locked_until.isoformat()})
    if user is None or not user.is_active or not user.check_password(password):
        if user is None:
            return None, InvalidCredentials()
        user.failed_logins += 1
        after: dict[str, Any] = {"failed_logins": user.failed_logins}
        locked = user.failed_logins >= settings.LOGIN_MAX_FAILURES
        if locked:
            user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
            user.failed_logins = 0
            after = {"locked_until": user.locked_until}
        user.save(update_fields=["failed_logins", "locked_until"])
        audit.record(actor=None, verb="user.login_failed", obj=user, community_id=None, after=after)
        if locked:
            return None, AccountLocked(extra={"locked_until": after["locked_until"].isoformat()})
        return None, InvalidCredentials()
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        user.save(update_fields=["failed_logins", "locked_until"])
    return user, None
