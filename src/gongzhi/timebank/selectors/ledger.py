"""Reads of the ledger, scoped: staff see their community's accounts, a resident their household's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.timebank.models import Account, Entry

__all__ = ["account_get", "account_list", "entry_list"]


def _visible_accounts(actor: Any) -> QuerySet[Account]:
    """Scoped accounts plus the cards the actor manages (a manager may live outside the card's courtyard)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Account.objects.none()
    scoped = Account.objects.visible_to(actor).values("pk")
    return Account.objects.filter(Q(pk__in=scoped) | Q(managers__person__account_id=actor.pk)).distinct()


def account_list(*, actor: Any, filters: dict[str, Any] | None = None) -> QuerySet[Account]:
    """The accounts the actor may see, optionally of one community or kind, by id."""
    filters = filters or {}
    qs = _visible_accounts(actor)
    if "community" in filters:
        qs = qs.filter(community_id=filters["community"])
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    return qs.select_related("person").order_by("id")


def account_get(*, actor: Any, id: int) -> Account:
    """One visible account; a missing or invisible one is the same 404."""
    account = _visible_accounts(actor).select_related("community", "person").filter(pk=id).first()
    if account is None:
        raise NotFound()
    return account


def entry_list(*, actor: Any, account: Account) -> QuerySet[Entry]:
    """An account's entries, newest first, with their transactions (the account must be visible to the actor)."""
    visible = account_get(actor=actor, id=account.pk)
    return (
        Entry.objects.filter(account=visible)
        .select_related("transaction", "attributed_person")
        .order_by("-created_at", "-id")
    )
