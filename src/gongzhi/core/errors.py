"""One error hierarchy: services raise these, views show the message, the API renders {code, message, extra}."""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Code(StrEnum):
    """The codes core's own services and API raise (each class below carries its default code as well)."""

    # accounts
    WEAK_PASSWORD = "weak_password"  # noqa: S105 (a code naming a refusal, not a secret)
    BAD_PHONE = "bad_phone"
    BAD_PASSWORD = "bad_password"  # noqa: S105 (a code naming a refusal, not a secret)
    ACCOUNT_INACTIVE = "account_inactive"
    REASON = "reason"
    # API tokens
    ALREADY_REVOKED = "already_revoked"
    TOKEN_INVALID = "token_invalid"  # noqa: S105 (a code naming a refusal, not a secret)
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 (a code naming a refusal, not a secret)
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a code naming a refusal, not a secret)


class ApplicationError(Exception):
    code = "error"
    status = 400
    default_message: Any = _("操作未能完成")

    def __init__(self, message: Any = None, *, code: str | None = None, extra: dict[str, Any] | None = None):
        self.message = message if message is not None else self.default_message
        # A registry member (given here or as a subclass's default) becomes its plain value: headers (WSGI wants
        # `str` itself), JSON and logs see the text.
        self.code = str(code or self.code)
        self.extra = extra or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "extra": self.extra}


class ValidationFailed(ApplicationError):
    code = "invalid"
    default_message = _("输入有误，请检查后重试")


class PermissionDenied(ApplicationError):
    """The actor can see the object but may not act on it (403). Invisible objects are 404 instead."""

    code = "forbidden"
    status = 403
    default_message = _("您没有权限执行此操作")


class PasswordChangeRequired(PermissionDenied):
    """An account opened by staff with a first password must choose its own before anything else (the middleware)."""

    code = "password_change_required"
    default_message = _("请先修改初始密码，再继续使用")


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = _("未找到该记录，或您无权查看")


class InvalidText(ValidationFailed):
    """Text no database can store: a lone UTF-16 surrogate, bytes that are not UTF-8, or a NUL character."""

    code = "invalid_text"
    default_message = _("请求中含有无效字符（无效的 Unicode 编码或空字符）")


class Duplicate(ApplicationError):
    code = "duplicate"
    status = 409
    default_message = _("该记录已存在")


class PhaseClosed(ApplicationError):
    code = "phase_closed"
    status = 409
    default_message = _("当前阶段不能进行此操作")


class AlreadyVoted(ApplicationError):
    code = "already_voted"
    status = 409
    default_message = _("该业主已经表决过，不能重复表决")


class NotAuthenticated(ApplicationError):
    """No session and no usable bearer token (401): the API never answers a stranger with a CSRF failure. The code
    says which when a token was sent: unknown, expired, revoked, or an account that has been locked."""

    code = "not_authenticated"
    status = 401
    default_message = _("请先登录，或提供有效的 API 令牌")


class CsrfFailed(PermissionDenied):
    """A request signed in by the session cookie without the CSRF token the pages send."""

    code = "csrf_failed"
    default_message = _("请求缺少有效的 CSRF 令牌，请刷新页面后重试")


class MethodNotAllowed(ApplicationError):
    code = "method_not_allowed"
    status = 405
    default_message = _("该地址不支持此请求方法")


class Throttled(ApplicationError):
    """Too many tries in a window (a code guessed digit by digit, a login, an API rate): 429, with the seconds to
    wait in `retry_after` when known (the API sends them as Retry-After). Subclass it for a throttle of your own."""

    code = "throttled"
    status = 429
    default_message = _("尝试次数过多，请稍后再试")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message, code=code, extra=extra)
        self.retry_after = retry_after


class ServerError(ApplicationError):
    """What the API answers for a bug: the traceback goes to the log, never to the caller."""

    code = "server_error"
    status = 500
    default_message = _("服务器内部错误，请稍后再试")


class LoginThrottled(Throttled):
    """Too many wrong passwords for this phone or from this address (`rules.login_throttle`). The same words whether
    or not the phone has an account; `extra` carries `retry_after` (ISO 8601) and `retry_after_seconds`."""

    code = "throttled"


class Overdraft(ApplicationError):
    """Moving the points would take an account below its floor (the lowest balance it may reach)."""

    code = "overdraft"
    status = 409
    default_message = _("积分余额不足")


def clean_or_fail(
    text: str | None,
    *,
    label: Any,
    max_length: int,
    field: str = "",
    code: str = "bad_text",
    required: Any = None,
    required_code: str = "",
) -> str:
    """User text with markup or over length becomes a ValidationFailed carrying the Chinese message; with
    `required` (the message to show), so does empty text."""
    from gongzhi.rules.text import clean_text

    extra = {"field": field} if field else None
    try:
        cleaned = clean_text(text or "", field=str(label), max_length=max_length)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=code, extra=extra) from exc
    if required is not None and not cleaned:
        raise ValidationFailed(required, code=required_code or code, extra=extra)
    return cleaned
