"""Reads of the ledger, scoped: staff see their community's accounts, a resident their household's, a holder their
own account's entries, street staff the street's settlement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing, grants_for, user_can
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.timebank.models.ledger import (
    COLLECTIVE_KINDS,
    Account,
    AccountKind,
    AccountManager,
    AccountMember,
    Entry,
    Transaction,
)
from gongzhi.timebank.predicates import in_community, owns_account, require_staff, require_street
from gongzhi.timebank.services.ledger import gift_month_start, gifts_sent_since
from gongzhi.timebank.services.settings import ledger_settings, ledger_settings_for

__all__ = [
    "Settlement",
    "account_community_id",
    "account_for_page",
    "account_get",
    "account_list",
    "account_totals",
    "card_people",
    "entries_with_running_balance",
    "entry_list",
    "gift_allowance",
    "gift_recipients",
    "my_accounts",
    "person_in_community",
    "reversals_of",
    "settlement",
    "settlement_street_get",
    "staff_accounts",
    "street_settings_get",
    "transaction_community_id",
    "transaction_get",
    "transaction_postings",
]

COMMUNITY_KINDS = (PlaceKind.COMMUNITY, PlaceKind.VILLAGE)


def _visible_accounts(actor: User) -> QuerySet[Account]:
    """Scoped accounts plus the cards the actor manages (a manager may live outside the card's courtyard)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Account.objects.none()
    scoped = Account.objects.visible_to(actor).values("pk")
    return Account.objects.filter(Q(pk__in=scoped) | Q(managers__person__account_id=actor.pk)).distinct()


def account_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Account]:
    """The accounts the actor may see, optionally of one community or kind, by id."""
    filters = filters or {}
    qs = _visible_accounts(actor)
    if "community" in filters:
        qs = qs.filter(community_id=filters["community"])
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    return qs.select_related("person").order_by("id")


def account_get(*, actor: User, id: int) -> Account:
    """One visible account; a missing or invisible one is the same 404."""
    account = _visible_accounts(actor).select_related("community", "person").filter(pk=id).first()
    if account is None:
        raise NotFound()
    return account


def entry_list(*, actor: User, account: Account) -> QuerySet[Entry]:
    """An account's entries, newest first, with their transactions (the account must be visible to the actor)."""
    visible = account_get(actor=actor, id=account.pk)
    return (
        Entry.objects.filter(account=visible)
        .select_related("transaction", "attributed_person")
        .order_by("-created_at", "-id")
    )


# --- my points -------------------------------------------------------------------------------------------------


def my_accounts(*, actor: User, community: Place) -> tuple[Account | None, list[Account]]:
    """The actor's individual account in the community (if opened) and the cards there they manage."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, []
    accounts = list(
        Account.objects.filter(community_id=community.pk)
        .filter(
            Q(kind=AccountKind.INDIVIDUAL, person__account_id=actor.pk)
            | Q(kind__in=COLLECTIVE_KINDS, managers__person__account_id=actor.pk)
        )
        .select_related("person")
        .distinct()
        .order_by("id")
    )
    individual = next((a for a in accounts if a.kind == AccountKind.INDIVIDUAL), None)
    return individual, [a for a in accounts if a.kind != AccountKind.INDIVIDUAL]


def gift_recipients(*, sender: Account) -> list[Account]:
    """The individual accounts of the sender's household members (the only people a gift may go to)."""
    if sender.person_id is None:
        return []
    household_id = Person.objects.filter(pk=sender.person_id).values_list("household_id", flat=True).first()
    if household_id is None:
        return []
    return list(
        Account.objects.filter(
            kind=AccountKind.INDIVIDUAL,
            community_id=sender.community_id,
            person__household_id=household_id,
            is_active=True,
        )
        .exclude(pk=sender.pk)
        .select_related("person")
        .order_by("id")
    )


def gift_allowance(*, sender: Account) -> dict[str, int]:
    """This month's gift limit of the sender's street, what they have given and what is left."""
    limit = ledger_settings_for(sender.community_id).gift_monthly_limit
    sent = gifts_sent_since(sender, gift_month_start())
    return {"limit": limit, "sent": sent, "left": max(limit - sent, 0)}


# --- staff: accounts -------------------------------------------------------------------------------------------


def _require_accounts_staff(actor: User, community: Place) -> None:
    require_staff(actor, community, Action.TIMEBANK_ACCOUNTS, _("只有社区工作人员可以管理积分账户"))


def staff_accounts(*, actor: User, community: Place, kind: str = "") -> QuerySet[Account]:
    """The community's accounts for its staff (书记/社工), of one kind or all, by kind then id."""
    _require_accounts_staff(actor, community)
    qs = Account.objects.filter(community_id=community.pk).select_related("person", "counterpart")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "id")


def account_totals(*, actor: User, community: Place) -> list[dict[str, Any]]:
    """Per kind: how many accounts and their total balance (one grouped query)."""
    _require_accounts_staff(actor, community)
    rows = (
        Account.objects.filter(community_id=community.pk)
        .order_by()
        .values("kind")
        .annotate(count=Count("id"), total=Sum("balance"))
    )
    by_kind = {r["kind"]: r for r in rows}
    return [
        {"kind": k, "label": label, "count": by_kind[k]["count"], "total": by_kind[k]["total"] or 0}
        for k, label in AccountKind.choices
        if k in by_kind
    ]


def card_people(*, actor: User, account: Account) -> tuple[list[Person], list[Person]]:
    """A card's managers and members (staff only)."""
    _require_accounts_staff(actor, account.community)
    managers = [
        row.person for row in AccountManager.objects.filter(account=account).select_related("person").order_by("id")
    ]
    members = [
        row.person for row in AccountMember.objects.filter(account=account).select_related("person").order_by("id")
    ]
    return managers, members


def account_for_page(*, actor: User, community: Place, account_id: int) -> tuple[Account, bool]:
    """An account of the community for its staff, or for its holder (a card's manager); (account, is_staff).
    Anyone else — a household member, a field role — gets the same 404 as for a missing account."""
    account = (
        Account.objects.filter(pk=account_id, community_id=community.pk).select_related("person", "community").first()
    )
    if account is None or actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound()
    if user_can(actor, Action.TIMEBANK_ACCOUNTS, community):
        return account, True
    if owns_account(actor, account):
        return account, False
    raise NotFound()


def entries_with_running_balance(*, account: Account) -> QuerySet[Entry]:
    """The account's entries newest first, each with `running`: the balance right after it (a window sum over the
    account's entries, so any page of them is one query)."""
    running = Window(Sum("amount"), order_by=[F("created_at").asc(), F("id").asc()])
    entries: QuerySet[Entry] = (
        Entry.objects.filter(account_id=account.pk)
        .annotate(running=running)
        .select_related("transaction", "attributed_person")
        .order_by("-created_at", "-id")
    )
    return entries


def transaction_get(*, actor: User, community: Place, id: int) -> Transaction:
    """A transaction of the community, for its staff; the holder of an account it moved sees it on that account's
    page instead. Missing, elsewhere or invisible: the same 404."""
    tx: Transaction | None = Transaction.objects.filter(pk=id, community_id=community.pk).first()
    if tx is None or not user_can(actor, Action.TIMEBANK_VIEW, community) or not in_community(actor, community):
        raise NotFound()
    return tx


def account_community_id(*, id: int) -> int | None:
    """Which community an account id belongs to, so that the API can scope it like the pages (then 404s alike)."""
    found: int | None = Account.objects.filter(pk=id).values_list("community_id", flat=True).first()
    return found


def transaction_community_id(*, id: int) -> int | None:
    found: int | None = Transaction.objects.filter(pk=id).values_list("community_id", flat=True).first()
    return found


def transaction_postings(*, transaction: Transaction) -> list[tuple[int, int]]:
    """A transaction's (account id, amount) pairs in posting order."""
    return list(transaction.entries.order_by("id").values_list("account_id", "amount"))


def person_in_community(*, actor: User, community: Place, id_number: str) -> Person | None:
    """The resident of the community with this ID number, for staff opening an account or naming a card's people."""
    _require_accounts_staff(actor, community)
    found: Person | None = Person.objects.filter(community_id=community.pk, id_number=id_number.strip().upper()).first()
    return found


def reversals_of(*, transaction_ids: list[int]) -> dict[int, int]:
    """For the given transactions: original id → id of the reversal that cancels it."""
    rows = Transaction.objects.filter(reverses_id__in=transaction_ids).values_list("reverses_id", "pk")
    return dict(rows)


# --- the street's settlement -----------------------------------------------------------------------------------


@dataclass
class Settlement:
    street: Place
    communities: list[Place]
    # (debtor, creditor, points): the debtor community owes the creditor this many points.
    debts: list[tuple[Place, Place, int]] = field(default_factory=list)
    # community id → {"payable", "receivable", "net"}
    totals: dict[int, dict[str, int]] = field(default_factory=dict)
    whole_street: bool = True


def _street(street_id: int) -> Place:
    street: Place | None = Place.objects.filter(pk=street_id, kind=PlaceKind.STREET).first()
    if street is None:
        raise NotFound()
    return street


def settlement_street_get(*, actor: User, street_id: int) -> Place:
    """The street, for whoever `settlement` will answer (it checks who sees which rows)."""
    return _street(street_id)


def street_settings_get(*, actor: User, street_id: int) -> tuple[Place, Any]:
    """The street and its settings (defaults when none are saved), for its street staff only."""
    street = _street(street_id)
    require_street(actor, street, Action.TIMEBANK_SETTINGS, _("只有街道工作人员可以设置时间银行规则"))
    return street, ledger_settings(street)


def settlement(*, actor: User, street: Place) -> Settlement:
    """Who owes whom through 通存通兑, from the clearing accounts: a positive clearing-with-B balance at A is what
    A owes B (the mirror account at B holds the negative). Street staff see the whole street, a community's staff
    their own community's rows. Two queries whatever the number of communities and accounts."""
    if street.kind != PlaceKind.STREET:
        raise NotFound()
    communities = list(Place.objects.filter(parent_id=street.pk, kind__in=COMMUNITY_KINDS).order_by("sort_key", "name"))
    ids = {c.pk for c in communities}
    whole = user_can(actor, Action.TIMEBANK_SETTLEMENT, street)
    own: set[int] = ids
    if not whole:
        own = {g.community_id for g in grants_allowing(actor, Action.TIMEBANK_SETTLEMENT) if g.community_id} & ids
        if not own:
            reaches = any(
                g.community_id in ids or (g.place_path or g.household_path or "").startswith(street.path)
                for g in grants_for(actor)
            )
            if reaches:
                raise PermissionDenied()
            raise NotFound()
    by_id = {c.pk: c for c in communities}
    result = Settlement(street=street, communities=[c for c in communities if c.pk in own], whole_street=whole)
    for c in result.communities:
        result.totals[c.pk] = {"payable": 0, "receivable": 0, "net": 0}
    rows = (
        Account.objects.filter(kind=AccountKind.CLEARING, community_id__in=ids, counterpart_id__in=ids)
        .exclude(balance=0)
        .values_list("community_id", "counterpart_id", "balance")
        .order_by("community_id", "counterpart_id")
    )
    for community_id, counterpart_id, balance in rows:
        if community_id in result.totals:
            key = "payable" if balance > 0 else "receivable"
            result.totals[community_id][key] += abs(balance)
        if balance > 0 and (community_id in own or counterpart_id in own):
            result.debts.append((by_id[community_id], by_id[counterpart_id], balance))
    for figures in result.totals.values():
        figures["net"] = figures["receivable"] - figures["payable"]
    return result
