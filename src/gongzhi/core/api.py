"""API plumbing: session or bearer-token auth, and ApplicationError rendered as {code, message, extra}."""

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf

from gongzhi.core.errors import CsrfFailed
from gongzhi.core.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = (
            ApiToken.objects.filter(token_hash=digest, revoked=False, user__is_active=True)
            .select_related("user")
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
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
