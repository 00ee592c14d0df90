"""Points accounts: the community's system accounts (issuance, redemption, clearing), a resident's individual
account, collective cards with their managers and members. Each is made once; races are decided by the partial
unique constraints.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.ledger import (
    COLLECTIVE_KINDS,
    Account,
    AccountKind,
    AccountManager,
    AccountMember,
)
from gongzhi.timebank.predicates import require_staff
from gongzhi.timebank.services.settings import individual_floor, ledger_settings_for

__all__ = [
    "account_open",
    "card_manager_add",
    "card_member_add",
    "individual_account",
    "system_account",
]


# --- accounts --------------------------------------------------------------------------------------------------


def system_account(community: Place, kind: AccountKind | str, counterpart: Place | None = None) -> Account:
    """The community's issuance or redemption account, or its clearing account with `counterpart`; made once (the
    partial unique constraints decide a race)."""
    # Stored names are data, kept in Chinese whatever the language of the request that made them.
    names = {
        AccountKind.ISSUANCE: "%(community)s积分发行",
        AccountKind.REDEMPTION: "%(community)s积分兑换",
        AccountKind.CLEARING: "%(community)s与%(other)s清算",
    }
    lookup = {"community": community, "kind": kind, "counterpart": counterpart}
    account: Account | None = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    name = names[AccountKind(kind)] % {"community": community.name, "other": counterpart.name if counterpart else ""}
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, name=name, floor=None)
    except IntegrityError:
        return Account.objects.get(**lookup)


def individual_account(person: Person) -> Account:
    """The person's individual account, opened on first need (a volunteer's first approved service, a gift
    received); the unique constraint decides a race. Its floor is the street's rule (an elder's allowance)."""
    account: Account | None = Account.objects.filter(kind=AccountKind.INDIVIDUAL, person=person).first()
    if account is not None:
        return account
    floor = individual_floor(person, ledger_settings_for(person.community_id))
    with transaction.atomic():  # the account and its audit row together, also when called outside a service
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    community_id=person.community_id,
                    kind=AccountKind.INDIVIDUAL,
                    person=person,
                    name=person.name,
                    floor=floor,
                )
        except IntegrityError:
            return Account.objects.get(kind=AccountKind.INDIVIDUAL, person=person)
        audit.record(
            actor=None,
            verb="timebank.account_open",
            obj=account,
            community_id=person.community_id,
            after=audit.snapshot(account, ["kind", "person", "name", "floor"]),
        )
    return account


@transaction.atomic
def account_open(
    *,
    actor: User,
    community: Place,
    kind: AccountKind | str,
    person: Person | None = None,
    name: str = "",
    floor: int | None = None,
) -> Account:
    """Staff (书记/社工) open a resident's individual account or a collective card. An individual's floor is the
    street's rule (None), or stricter: an elder's may go down to the street's allowance, anyone else's stays 0; a
    card's is always 0."""
    require_staff(actor, community, Action.TIMEBANK_ACCOUNTS, _("只有社区工作人员可以开设积分账户"))
    try:
        kind = AccountKind(kind)
    except ValueError:
        raise ValidationFailed(_("请选择账户类型"), code=Code.BAD_KIND, extra={"field": "kind"}) from None
    if kind == AccountKind.INDIVIDUAL:
        if person is None or person.community_id != community.pk:
            raise NotFound()
        settings = ledger_settings_for(community.pk)
        lowest = individual_floor(person, settings)
        if floor is None:
            floor = lowest
        elif not isinstance(floor, int) or isinstance(floor, bool) or not lowest <= floor <= 0:
            if lowest == 0:
                message = _("未满 %(age)s 岁的居民不能透支，最低余额只能为 0") % {"age": settings.elderly_age}
            else:
                message = _("这位老年居民的最低余额应在 %(min)s 到 0 之间") % {"min": lowest}
            raise ValidationFailed(message, code=Code.BAD_FLOOR, extra={"field": "floor"})
        if Account.objects.filter(kind=kind, person=person).exists():
            raise Duplicate(_("这位居民已经有积分账户"), code=Code.ACCOUNT_EXISTS)
        name = name or person.name
    elif kind in COLLECTIVE_KINDS:
        name = clean_or_fail(
            name, label=_("名称"), max_length=100, field="name", required=_("请填写集体卡名称"), required_code=Code.NAME
        )
        person, floor = None, 0
    else:
        raise ValidationFailed(_("系统账户由系统自动开设"), code=Code.BAD_KIND)
    account = Account(community=community, kind=kind, person=person, name=name, floor=floor)
    account.full_clean()
    account.save()
    audit.record(
        actor=actor,
        verb="timebank.account_open",
        obj=account,
        community_id=community.pk,
        after=audit.snapshot(account, ["kind", "person", "name", "floor"]),
    )
    return account


def _card_person_add(actor: User, account: Account, person: Person, model: type[Any], verb: str) -> Any:
    community = account.community
    require_staff(actor, community, Action.TIMEBANK_ACCOUNTS, _("只有社区工作人员可以管理集体卡"))
    if account.kind not in COLLECTIVE_KINDS:
        raise ValidationFailed(_("只有集体卡才有管理人和成员"), code=Code.NOT_A_CARD)
    if person.community_id != community.pk:
        raise NotFound()
    if model.objects.filter(account=account, person=person).exists():
        raise Duplicate()
    row = model.objects.create(community=community, account=account, person=person)
    audit.record(
        actor=actor, verb=verb, obj=row, community_id=community.pk, after={"account": account.pk, "person": person.pk}
    )
    return row


@transaction.atomic
def card_manager_add(*, actor: User, account: Account, person: Person) -> AccountManager:
    """Staff name a person who may spend the card's points. Staff only."""
    row: AccountManager = _card_person_add(actor, account, person, AccountManager, "timebank.card_manager_add")
    return row


@transaction.atomic
def card_member_add(*, actor: User, account: Account, person: Person) -> AccountMember:
    """Staff add a person who earns to the card (their hours stay theirs). Staff only."""
    row: AccountMember = _card_person_add(actor, account, person, AccountMember, "timebank.card_member_add")
    return row
