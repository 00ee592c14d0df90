"""Routing a voice to its responsible party: the routing table, the parties and the categories.

- `route_for` / `voice_route_new`: the most specific row of the routing table (category × place subtree).
- The table, the parties and the categories are edited by VOICE_MANAGE users (书记, 社工) through the services here;
  deadlines and the holiday calendar are in `deadlines`, reminders and 督办 in `sweep`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.scoping import CommunityOwned, grants_for
from gongzhi.places.models import Place
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    Category,
    Party,
    PartyKind,
    PartyMember,
    Route,
    Voice,
)
from gongzhi.voices.predicates import can_configure

__all__ = [
    "category_create",
    "category_update",
    "party_create",
    "party_member_add",
    "party_member_remove",
    "party_update",
    "route_delete",
    "route_for",
    "route_set",
    "voice_route_new",
]

_UNSET: Any = object()

# --- routing -------------------------------------------------------------------------------------------------


def _prefixes(place_path: str) -> list[str]:
    parts = [p for p in place_path.strip("/").split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def route_for(*, community_id: int, category_id: int | None, place_path: str) -> Party | None:
    """The most specific route: the deepest place containing the voice, a named category before "any"."""
    routes = list(
        Route.objects.filter(community_id=community_id, place_path__in=_prefixes(place_path), party__is_active=True)
        .filter(Q(category_id=category_id) | Q(category__isnull=True))
        .select_related("party")
    )
    if not routes:
        return None
    best = max(routes, key=lambda r: (len(r.place_path), r.category_id is not None))
    party: Party = best.party
    return party


def voice_route_new(*, voice: Voice) -> Party | None:
    return route_for(community_id=voice.community_id, category_id=voice.category_id, place_path=voice.place_path)


# --- the calendar and deadlines ------------------------------------------------------------------------------


# --- permission helpers --------------------------------------------------------------------------------------


def _refuse_unless_configures(actor: User, community: Place) -> None:
    if not can_configure(actor, community):
        raise PermissionDenied(_("只有社区书记或社工可以维护分派规则、责任方和类别"))


M = TypeVar("M", bound=CommunityOwned)


def _lock_managed(model: type[M], pk: Any, actor: User) -> M:
    """The row locked FOR UPDATE with its community, for an actor who may manage that community (else 404/403)."""
    locked: M | None = model.objects.select_for_update().filter(pk=pk).select_related("community").first()
    if locked is None:
        raise NotFound()
    _refuse_unless_configures(actor, locked.community)
    return locked


def _delete_managed(*, actor: User, row: CommunityOwned, verb: str, before: dict[str, Any]) -> None:
    """Deletes a configuration row (a route, a membership) the actor manages, with its audit event."""
    pk = row.pk
    row.delete()
    audit.record(
        actor=actor,
        verb=verb,
        community_id=row.community_id,
        object_type=row._meta.label_lower,
        object_id=str(pk),
        before=before,
    )


def _in_community(community: Place, obj: Any) -> None:
    cid = obj.pk if isinstance(obj, Place) and obj.pk == community.pk else getattr(obj, "community_id", None)
    if cid != community.pk:
        raise NotFound()


# --- the routing table ---------------------------------------------------------------------------------------


@transaction.atomic
def route_set(*, actor: User, community: Place, place: Place, category: Category | None, party: Party) -> Route:
    """Upserts the one row for (category or "any", place subtree). VOICE_MANAGE over the community."""
    _refuse_unless_configures(actor, community)
    _in_community(community, place)
    _in_community(community, party)
    if category is not None:
        _in_community(community, category)
    if not Party.objects.filter(pk=party.pk, is_active=True).exists():  # as stored, not as the caller holds it
        raise ValidationFailed(_("该责任方已停用，请另选"), code=Code.PARTY_INACTIVE, extra={"field": "party"})
    route = (
        Route.objects.select_for_update()
        .filter(community_id=community.pk, place=place, category=category)
        .select_related("party")
        .first()
    )
    before = {"party": route.party_id} if route else None
    if route is None:
        route = Route(
            community_id=community.pk,
            place=place,
            place_path=place.path,
            category=category,
            party=party,
            updated_by=actor,
        )
    else:
        route.party, route.updated_by = party, actor
    route.full_clean(validate_constraints=False)
    route.save()
    audit.record(
        actor=actor,
        verb="voice.route_set",
        obj=route,
        community_id=community.pk,
        before=before,
        after={"place": place.pk, "category": category.code if category else None, "party": party.pk},
    )
    return route


@transaction.atomic
def route_delete(*, actor: User, route: Route) -> None:
    """Removes a row; voices already assigned keep their party. The community-wide default row stays deletable:
    voices without a route then wait unassigned for staff."""
    locked = _lock_managed(Route, route.pk, actor)
    before = {"place": locked.place_id, "category": locked.category_id, "party": locked.party_id}
    _delete_managed(actor=actor, row=locked, verb="voice.route_delete", before=before)


# --- parties -------------------------------------------------------------------------------------------------


def _party_name(name: str) -> str:
    return clean_or_fail(
        name,
        label=_("名称"),
        max_length=60,
        field="name",
        required=_("请填写责任方名称"),
        required_code=Code.NAME_REQUIRED,
    )


def _check_kind(kind: str) -> None:
    if kind not in PartyKind.values:
        raise ValidationFailed(_("请选择责任方类型"), code=Code.BAD_KIND, extra={"field": "kind"})


def _check_supervisor(party: Party | None, supervisor: Party | None, community: Place) -> None:
    if supervisor is None:
        return
    _in_community(community, supervisor)
    seen: set[int] = set()
    node: Party | None = supervisor
    while node is not None:
        if party is not None and node.pk == party.pk:
            raise ValidationFailed(
                _("督办关系不能形成循环（责任方不能直接或间接督办自己）"),
                code=Code.SUPERVISOR_CYCLE,
                extra={"field": "supervisor"},
            )
        if node.pk in seen:  # an older cycle elsewhere; stop walking
            break
        seen.add(node.pk)
        node = Party.objects.filter(pk=node.supervisor_id).first() if node.supervisor_id else None


def _name_taken(community: Place, name: str, exclude: int | None = None) -> None:
    qs = Party.objects.filter(community_id=community.pk, name=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise Duplicate(_("已有同名的责任方"), code=Code.PARTY_NAME_TAKEN, extra={"field": "name"})


@transaction.atomic
def party_create(
    *, actor: User, community: Place, name: str, kind: str, supervisor: Party | None = None, contact: str = ""
) -> Party:
    """A responsible party of the community. VOICE_MANAGE."""
    _refuse_unless_configures(actor, community)
    name = _party_name(name)
    _check_kind(kind)
    contact = clean_or_fail(contact, label=_("联系方式"), max_length=60, field="contact")
    _check_supervisor(None, supervisor, community)
    _name_taken(community, name)
    party = Party(community_id=community.pk, name=name, kind=kind, supervisor=supervisor, contact=contact)
    party.full_clean(validate_constraints=False)
    party.save()
    audit.record(
        actor=actor,
        verb="voice.party_create",
        obj=party,
        community_id=community.pk,
        after={"name": name, "kind": kind, "supervisor": supervisor.pk if supervisor else None},
    )
    return party


@transaction.atomic
def party_update(
    *,
    actor: User,
    party: Party,
    name: str | None = None,
    kind: str | None = None,
    supervisor: Any = _UNSET,
    contact: str | None = None,
    is_active: bool | None = None,
) -> Party:
    """Changes a party; a supervisor that would make 督办 go round in a circle is refused. VOICE_MANAGE."""
    locked = _lock_managed(Party, party.pk, actor)
    community = locked.community
    fields = ["name", "kind", "supervisor_id", "contact", "is_active"]
    before = audit.snapshot(locked, fields)
    if name is not None:
        locked.name = _party_name(name)
        _name_taken(community, locked.name, exclude=locked.pk)
    if kind is not None:
        _check_kind(kind)
        locked.kind = kind
    if supervisor is not _UNSET:
        _check_supervisor(locked, supervisor, community)
        locked.supervisor = supervisor
    if contact is not None:
        locked.contact = clean_or_fail(contact, label=_("联系方式"), max_length=60, field="contact")
    if is_active is not None:
        locked.is_active = bool(is_active)
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["name", "kind", "supervisor", "contact", "is_active"])
    audit.record(
        actor=actor,
        verb="voice.party_update",
        obj=locked,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(locked, fields),
    )
    return locked


@transaction.atomic
def party_member_add(*, actor: User, party: Party, user: Any, is_lead: bool = False) -> PartyMember:
    """Adds a user who acts for the party; they must hold a role in the party's community. VOICE_MANAGE."""
    locked = _lock_managed(Party, party.pk, actor)
    if user is None or not any(g.community_id == locked.community_id for g in grants_for(user)):
        raise ValidationFailed(
            _("该用户在本社区没有角色，不能加入责任方"), code=Code.MEMBER_NOT_IN_COMMUNITY, extra={"field": "user"}
        )
    if PartyMember.objects.filter(party=locked, user=user).exists():
        raise Duplicate(_("该用户已是此责任方的成员"), code=Code.ALREADY_MEMBER, extra={"field": "user"})
    member = PartyMember.objects.create(
        community_id=locked.community_id, party=locked, user=user, is_lead=bool(is_lead)
    )
    user.__dict__.pop("_gongzhi_party_ids", None)
    audit.record(
        actor=actor,
        verb="voice.party_member_add",
        obj=member,
        community_id=locked.community_id,
        after={"party": locked.pk, "user": user.pk, "lead": bool(is_lead)},
    )
    return member


@transaction.atomic
def party_member_remove(*, actor: User, member: PartyMember) -> None:
    """Removes a member; the voices stay with the party. VOICE_MANAGE."""
    locked = _lock_managed(PartyMember, member.pk, actor)
    before = {"party": locked.party_id, "user": locked.user_id, "lead": locked.is_lead}
    _delete_managed(actor=actor, row=locked, verb="voice.party_member_remove", before=before)


# --- categories ----------------------------------------------------------------------------------------------


def _check_days(deadline_days: int, remind_days_before: int) -> None:
    if not 1 <= int(deadline_days) <= 60:
        raise ValidationFailed(_("办理时限应为1至60个工作日"), code=Code.BAD_DEADLINE, extra={"field": "deadline_days"})
    if not 0 <= int(remind_days_before) < int(deadline_days):
        raise ValidationFailed(
            _("提前提醒的天数应小于办理时限"), code=Code.BAD_REMIND, extra={"field": "remind_days_before"}
        )


@transaction.atomic
def category_create(
    *,
    actor: User,
    community: Place,
    code: str,
    name: str,
    deadline_days: int,
    remind_days_before: int = 1,
    group: str = "",
    description: str = "",
) -> Category:
    """A category of voices (also an Open311 service, its code the service_code). VOICE_MANAGE."""
    _refuse_unless_configures(actor, community)
    code = (code or "").strip().lower()
    category = Category(
        community_id=community.pk,
        code=code,
        name=clean_or_fail(
            name,
            label=_("名称"),
            max_length=40,
            field="name",
            required=_("请填写类别名称"),
            required_code=Code.NAME_REQUIRED,
        ),
        deadline_days=deadline_days,
        remind_days_before=remind_days_before,
        group=clean_or_fail(group, label=_("分组"), max_length=40, field="group"),
        description=clean_or_fail(description, label=_("说明"), max_length=200, field="description"),
        sort_order=Category.objects.filter(community_id=community.pk).count(),
    )
    _check_days(deadline_days, remind_days_before)
    try:
        category.full_clean(exclude=["community"], validate_constraints=False)
    except Exception as exc:
        raise ValidationFailed(
            _("编码只能使用英文字母、数字、连字符和下划线"), code=Code.BAD_CODE, extra={"field": "code"}
        ) from exc
    if Category.objects.filter(community_id=community.pk, code=code).exists():
        raise Duplicate(_("该编码已被使用"), code=Code.CATEGORY_CODE_TAKEN, extra={"field": "code"})
    category.save()
    audit.record(
        actor=actor,
        verb="voice.category_create",
        obj=category,
        community_id=community.pk,
        after=audit.snapshot(category, ["code", "name", "deadline_days", "remind_days_before"]),
    )
    return category


@transaction.atomic
def category_update(
    *,
    actor: User,
    category: Category,
    name: str | None = None,
    deadline_days: int | None = None,
    remind_days_before: int | None = None,
    group: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Category:
    """Changes a category; its code stays (integrations know it). Voices already filed keep their deadline.
    VOICE_MANAGE."""
    locked = _lock_managed(Category, category.pk, actor)
    fields = ["name", "deadline_days", "remind_days_before", "group", "description", "is_active"]
    before = audit.snapshot(locked, fields)
    if name is not None:
        locked.name = clean_or_fail(
            name,
            label=_("名称"),
            max_length=40,
            field="name",
            required=_("请填写类别名称"),
            required_code=Code.NAME_REQUIRED,
        )
    new_deadline = locked.deadline_days if deadline_days is None else deadline_days
    new_remind = locked.remind_days_before if remind_days_before is None else remind_days_before
    _check_days(new_deadline, new_remind)
    locked.deadline_days, locked.remind_days_before = int(new_deadline), int(new_remind)
    if group is not None:
        locked.group = clean_or_fail(group, label=_("分组"), max_length=40, field="group")
    if description is not None:
        locked.description = clean_or_fail(description, label=_("说明"), max_length=200, field="description")
    if is_active is not None:
        locked.is_active = bool(is_active)
    locked.full_clean(exclude=["community"], validate_constraints=False)
    locked.save(update_fields=fields)
    audit.record(
        actor=actor,
        verb="voice.category_update",
        obj=locked,
        community_id=locked.community_id,
        before=before,
        after=audit.snapshot(locked, fields),
    )
    return locked
