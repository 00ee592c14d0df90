"""API plumbing: session or bearer-token auth, and ApplicationError rendered as {code, message, extra}."""

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

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
    """Pages' session; CSRF is enforced by ninja for unsafe methods."""


AUTH: list[Any] = [TokenAuth(), SessionUser()]
__all__ = ["AUTH", "APIKeyHeader"]
