"""API plumbing: session or bearer-token auth, and ApplicationError rendered as {code, message, extra}."""

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf

from gongzhi.core.errors import Code, CsrfFailed, NotAuthenticated
from gongzhi.core.models import ApiToken


class TokenAuth(HttpBearer):
    """A bearer token is used only while it is unexpired, unrevoked and its account active; otherwise the request
    is refused (401) with a code saying why, rather than falling back to the session: a caller that sends a token
    means that token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = ApiToken.objects.filter(token_hash=digest).select_related("user").first()
        if found is None:
            raise NotAuthenticated(_("接口令牌无效"), code=Code.TOKEN_INVALID)
        if found.revoked_at is not None:
            raise NotAuthenticated(_("接口令牌已撤销"), code=Code.TOKEN_REVOKED)
        if now >= found.expires_at:
            raise NotAuthenticated(_("接口令牌已过期，请重新申请"), code=Code.TOKEN_EXPIRED)
        if not found.user.is_active:
            raise NotAuthenticated(_("该账号已停用，其接口令牌不能使用"), code=Code.ACCOUNT_INACTIVE)
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionUser(SessionAuth):
    """Pages' session, with CSRF checked for unsafe methods. CSRF guards a session only: a caller signed in by
    none (anonymous, or a wrong bearer token) gets 401 not_authenticated, not a CSRF failure."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed()
        return request.COOKIES.get(self.param_name)


AUTH: list[Any] = [TokenAuth(), SessionUser()]
__all__ = ["AUTH", "APIKeyHeader"]
