from typing import cast

from django.http import HttpRequest

from gongzhi.core.models import User


def actor_of(request: HttpRequest) -> User:
    """The signed-in user; only for views behind login_required."""
    return cast(User, request.user)
