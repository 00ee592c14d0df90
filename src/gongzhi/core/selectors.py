"""Reads on accounts: a user's own API tokens."""

from django.db.models import QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import ApiToken, User


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    """The actor's own tokens, newest first, revoked and expired ones included (a token is never anyone else's)."""
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-pk")


def api_token_get(*, actor: User, id: int) -> ApiToken:
    """One of the actor's own tokens; another's is a 404, like a missing id."""
    token = api_token_list(actor=actor).filter(pk=id).first()
    if token is None:
        raise NotFound()
    return token
