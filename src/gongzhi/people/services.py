"""Writes on residents: create, update, tags, owners, sensitive reveals, accounts and corrections."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import SensitiveAccess, User
from gongzhi.core.permissions import REVEAL_ACTIONS
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign, user_create
from gongzhi.people.errors import Code
from gongzhi.people.models import (
    CorrectionRequest,
    CorrectionStatus,
    Ownership,
    Person,
    PersonTag,
    Relation,
    Tag,
)
from gongzhi.people.predicates import (
    can_change_household,
    can_change_people_at,
    can_change_person,
    can_create_account,
    can_handle_correction,
    can_manage_tags,
    can_reveal,
    can_set_tag,
)
from gongzhi.places.models import Household, Place
from gongzhi.rules import idcard
from gongzhi.rules import phone as phone_rule

PERSON_AUDIT_FIELDS = ["name", "sex", "birth_date", "id_number", "phone", "household", "relation"]
CORRECTABLE_FIELDS = {"name": _("姓名"), "phone": _("手机号"), "id_number": _("身份证号"), "other": _("其他")}


@dataclass(frozen=True)
class PersonFields:
    name: str
    id_number: str
    phone: str
    birth_date: datetime.date
    sex: str


def validate_person_fields(*, name: str, id_number: str, phone: str, today: datetime.date) -> PersonFields:
    """Pure validation shared by forms, the API and the Excel import. Raises with the field in extra."""
    clean_name = clean_or_fail(
        name, label=_("姓名"), max_length=50, field="name", code=Code.BAD_NAME, required=_("姓名不能为空")
    )
    try:
        normalized_id = idcard.normalize(id_number or "")
        info = idcard.parse(normalized_id, today=today)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=Code.BAD_ID_NUMBER, extra={"field": "id_number"}) from exc
    clean_phone = ""
    if phone and str(phone).strip():
        try:
            clean_phone = phone_rule.validate(str(phone))
        except ValueError as exc:
            raise ValidationFailed(str(exc), code=Code.BAD_PHONE, extra={"field": "phone"}) from exc
    return PersonFields(clean_name, normalized_id, clean_phone, info.birth_date, info.sex)


def _locate(community: Place, household: Household | None) -> tuple[str, str]:
    if household is None:
        return community.path, ""
    return household.place_path, household.grid_path


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    community: Place,
    name: str,
    id_number: str,
    phone: str = "",
    household: Household | None = None,
    relation: str = Relation.MEMBER,
    tags: list[Tag] | None = None,
    on_behalf_of: str = "",
) -> Person:
    """Registers a resident in a community; the ID number is unique within it."""
    if household is not None:
        if household.community_id != community.pk:
            raise NotFound()
        if actor is not None and not can_change_household(actor, household):
            raise PermissionDenied()
    else:
        if actor is not None and not can_change_people_at(actor, community):
            raise PermissionDenied()
        relation = Relation.NONE
    fields = validate_person_fields(name=name, id_number=id_number, phone=phone, today=timezone.localdate())
    if Person.objects.filter(community=community, id_number=fields.id_number).exists():
        raise Duplicate(_("该身份证号已在本社区登记"), code=Code.DUPLICATE_PERSON, extra={"field": "id_number"})
    place_path, grid_path = _locate(community, household)
    person = Person(
        community=community,
        name=fields.name,
        sex=fields.sex,
        birth_date=fields.birth_date,
        id_number=fields.id_number,
        phone=fields.phone,
        household=household,
        relation=relation,
        place_path=place_path,
        grid_path=grid_path,
    )
    person.full_clean(exclude=["place_path", "grid_path", "community"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration of the same ID number won the race
        raise Duplicate(
            _("该身份证号已在本社区登记"), code=Code.DUPLICATE_PERSON, extra={"field": "id_number"}
        ) from exc
    for tag in tags or []:
        PersonTag.objects.create(community=community, person=person, tag=tag)
    audit.record(
        actor=actor,
        verb="person.create",
        obj=person,
        community_id=community.pk,
        on_behalf_of=on_behalf_of,
        after={**audit.snapshot(person, PERSON_AUDIT_FIELDS), "tags": [t.pk for t in tags or []]},
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: User | None,
    person: Person,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    household: Household | None = None,
    relation: str | None = None,
) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if actor is not None and not can_change_person(actor, person):
        raise PermissionDenied()
    before = audit.snapshot(person, PERSON_AUDIT_FIELDS)
    fields = validate_person_fields(
        name=person.name if name is None else name,
        id_number=person.id_number if id_number is None else id_number,
        phone=person.phone if phone is None else phone,
        today=timezone.localdate(),
    )
    if (
        fields.id_number != person.id_number
        and Person.objects.filter(community_id=person.community_id, id_number=fields.id_number).exists()
    ):
        raise Duplicate(_("该身份证号已在本社区登记"), code=Code.DUPLICATE_PERSON, extra={"field": "id_number"})
    if household is not None:
        if household.community_id != person.community_id:
            raise NotFound()
        if actor is not None and not can_change_household(actor, household):
            raise PermissionDenied()
        person.household = household
        person.place_path, person.grid_path = household.place_path, household.grid_path
    if relation is not None:
        person.relation = relation
    person.name, person.id_number, person.phone = fields.name, fields.id_number, fields.phone
    person.birth_date, person.sex = fields.birth_date, fields.sex
    person.full_clean(exclude=["place_path", "grid_path"])
    person.save()
    audit.record(
        actor=actor,
        verb="person.update",
        obj=person,
        community_id=person.community_id,
        before=before,
        after=audit.snapshot(person, PERSON_AUDIT_FIELDS),
    )
    return person


@transaction.atomic
def person_set_tags(*, actor: User | None, person: Person, tags: list[Tag]) -> Person:
    """Replaces the tags; a sensitive tag may only be set by a role that may see that category."""
    if actor is not None and not can_change_person(actor, person):
        raise PermissionDenied()
    current = {pt.tag_id: pt.tag for pt in PersonTag.objects.filter(person=person).select_related("tag")}
    wanted = {t.pk: t for t in tags}
    for tag in [*wanted.values(), *current.values()]:
        if tag.community_id not in (None, person.community_id):
            raise NotFound()
        if (
            tag.sensitive_as
            and actor is not None
            and not can_set_tag(actor, person.community, tag.sensitive_as)
            and (tag.pk not in current or tag.pk not in wanted)
        ):
            raise PermissionDenied(_("您无权修改敏感标签“%(tag)s”") % {"tag": tag.name})
    PersonTag.objects.filter(person=person, tag_id__in=set(current) - set(wanted)).delete()
    PersonTag.objects.bulk_create(
        [
            PersonTag(community_id=person.community_id, person=person, tag=wanted[pk])
            for pk in set(wanted) - set(current)
        ]
    )
    audit.record(
        actor=actor,
        verb="person.set_tags",
        obj=person,
        community_id=person.community_id,
        before={"tags": sorted(current)},
        after={"tags": sorted(wanted)},
    )
    return person


@transaction.atomic
def person_reveal(*, actor: User, person: Person, field: str, purpose: str = "") -> str:
    """Returns one sensitive value in full and logs the view (PIPL Art. 28); refuses roles that don't need it."""
    if field not in REVEAL_ACTIONS:
        raise NotFound()
    if not can_reveal(actor, person, field):
        raise PermissionDenied(_("您的角色无权查看此项完整信息"))
    if field in ("id_number", "phone"):
        value = getattr(person, field) or "—"
    else:
        names = PersonTag.objects.filter(person=person, tag__sensitive_as=field).values_list("tag__name", flat=True)
        value = "、".join(names) or _("无")
    sensitive_view_log(
        actor=actor,
        community_id=person.community_id,
        fields=[field],
        object_type="people.person",
        object_id=str(person.pk),
        purpose=purpose,
        verb="person.reveal",
    )
    return value


@transaction.atomic
def sensitive_view_log(
    *,
    actor: User,
    community_id: int,
    fields: list[str],
    object_type: str,
    object_id: str,
    purpose: str = "",
    verb: str = "sensitive.view",
) -> None:
    """Records that a page showed sensitive values in full (PIPL Art. 28): one row per field, one audit event."""
    if not fields:
        return
    SensitiveAccess.objects.bulk_create(
        [
            SensitiveAccess(
                community_id=community_id,
                actor=actor,
                object_type=object_type,
                object_id=object_id,
                field=field,
                purpose=purpose[:100],
            )
            for field in fields
        ]
    )
    audit.record(
        actor=actor,
        verb=verb,
        community_id=community_id,
        object_type=object_type,
        object_id=object_id,
        after={"fields": fields, "purpose": purpose[:100]},
    )


@transaction.atomic
def ownership_add(*, actor: User | None, household: Household, person: Person) -> Ownership:
    if actor is not None and not can_change_household(actor, household):
        raise PermissionDenied()
    if person.community_id != household.community_id:
        raise NotFound()
    ownership, created = Ownership.objects.get_or_create(
        household=household,
        person=person,
        defaults={"community_id": household.community_id, "place_path": household.place_path},
    )
    if created:
        audit.record(
            actor=actor,
            verb="ownership.add",
            obj=ownership,
            community_id=household.community_id,
            after={"household": household.pk, "person": person.pk},
        )
    return ownership


@transaction.atomic
def person_account_create(*, actor: User | None, person: Person, password: str) -> User:
    """Staff open an account for a resident who cannot do it alone; they must change the password."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if actor is not None and not can_create_account(actor, person):
        raise PermissionDenied()
    if person.account_id:
        raise Duplicate(_("该居民已有账号"))
    if not person.phone:
        raise ValidationFailed(_("请先登记该居民的手机号"), code=Code.BAD_PHONE)
    user = User.objects.filter(phone=person.phone).first() or user_create(
        actor=actor,
        phone=person.phone,
        password=password,
        display_name=person.name,
        community_id=person.community_id,
        must_change_password=True,
    )
    person.account = user
    person.save(update_fields=["account"])
    if person.household_id:
        role_assign(actor=None, user=user, role=Role.RESIDENT, household=person.household)
    audit.record(
        actor=actor,
        verb="person.account_create",
        obj=person,
        community_id=person.community_id,
        on_behalf_of=f"person:{person.pk}",
        after={"account": user.pk},
    )
    return user


@transaction.atomic
def correction_request_create(
    *, actor: User, person: Person, field: str, proposed: str, reason: str = ""
) -> CorrectionRequest:
    """A resident asks to correct their own record; only the record's own account may ask."""
    if person.account_id != actor.pk:
        raise NotFound()
    if field not in CORRECTABLE_FIELDS:
        raise ValidationFailed(_("请选择要更正的项目"), code=Code.BAD_FIELD)
    proposed = clean_or_fail(proposed, label=_("更正内容"), max_length=200, required=_("请填写正确的内容"))
    reason = clean_or_fail(reason, label=_("说明"), max_length=500)
    request = CorrectionRequest.objects.create(
        community_id=person.community_id,
        person=person,
        requested_by=actor,
        field=field,
        proposed=proposed,
        reason=reason,
        place_path=person.place_path,
    )
    audit.record(
        actor=actor, verb="correction.request", obj=request, community_id=person.community_id, after={"field": field}
    )
    return request


@transaction.atomic
def correction_handle(
    *, actor: User | None, request: CorrectionRequest, accept: bool, response: str = ""
) -> CorrectionRequest:
    request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if actor is not None and not can_handle_correction(actor, request):
        raise PermissionDenied()
    if request.status != CorrectionStatus.OPEN:
        raise ValidationFailed(_("该申请已处理"), code=Code.ALREADY_HANDLED)
    response = clean_or_fail(response, label=_("答复"), max_length=500)
    if accept and request.field in ("name", "phone", "id_number"):
        changes: dict[str, Any] = {request.field: request.proposed}
        person_update(actor=actor, person=request.person, **changes)
    request.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED
    request.response, request.handled_by, request.handled_at = response, actor, timezone.now()
    request.save(update_fields=["status", "response", "handled_by", "handled_at"])
    audit.record(
        actor=actor,
        verb="correction.handle",
        obj=request,
        community_id=request.community_id,
        after={"status": request.status},
    )
    return request


@transaction.atomic
def tag_create(*, actor: User | None, community: Place, name: str, sensitive_as: str = "") -> Tag:
    """Staff add their own tags; a sensitive one only in a category their role may see."""
    if actor is not None and not can_manage_tags(actor, community):
        raise PermissionDenied()
    clean = clean_or_fail(name, label=_("标签名称"), max_length=30, field="name", required=_("标签名称不能为空"))
    if sensitive_as not in REVEAL_ACTIONS or sensitive_as in ("id_number", "phone"):
        if sensitive_as:
            raise ValidationFailed(_("敏感类别无效"), code=Code.BAD_CATEGORY)
    elif actor is not None and not can_set_tag(actor, community, sensitive_as):
        raise PermissionDenied(_("您无权创建该类别的敏感标签"))
    if Tag.objects.filter(Q(community=None) | Q(community=community), name=clean).exists():
        raise Duplicate(_("已有同名标签"), extra={"field": "name"})
    tag = Tag.objects.create(community=community, name=clean, sensitive_as=sensitive_as)
    audit.record(
        actor=actor,
        verb="tag.create",
        obj=tag,
        community_id=community.pk,
        after={"name": clean, "sensitive_as": sensitive_as},
    )
    return tag
