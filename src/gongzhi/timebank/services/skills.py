"""Service types (the points rule), skills, training and certificates: 琼花观 trains disabled residents for bathing aid,
haircuts and physiotherapy; a passed training issues the skill's certificate, and a skilled service may only be
offered or given by a holder of a live one."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.skills import Certificate, ServiceType, Skill, Training, TrainingAttendance
from gongzhi.timebank.predicates import (
    require_place_in,
    require_same_community,
    require_staff,
)

__all__ = [
    "POINTS_PER_HOUR_MAX",
    "certificate_revoke",
    "has_live_certificate",
    "service_type_save",
    "service_types_default",
    "skill_save",
    "training_attend",
    "training_create",
]

POINTS_PER_HOUR_MAX = 200
SETUP_ACTIONS = (Action.TIMEBANK_ACCOUNTS, Action.TIMEBANK_TRAINING)
REASON_MAX = 200

# The default set: (name, points per hour, skill it needs or "", assisted employment).
DEFAULT_SKILLS = [("理发", "为老人和行动不便的居民理发"), ("助浴", "协助老人洗浴"), ("康复理疗", "康复训练和理疗")]
DEFAULT_TYPES = [
    ("保洁/环境整治", 10, "", False),
    ("门前三包", 10, "", False),
    ("助老陪伴", 15, "", False),
    ("代购代办", 10, "", False),
    ("理发", 20, "理发", True),
    ("助浴", 30, "助浴", True),
    ("康复理疗", 30, "康复理疗", True),
]


# --- who may ---------------------------------------------------------------------------------------------------


def has_live_certificate(person: Person, skill_id: int, today: datetime.date | None = None) -> bool:
    """A certificate of the skill that is neither revoked nor past its validity."""
    today = today or timezone.localdate()
    return (
        Certificate.objects.filter(person=person, skill_id=skill_id, revoked_at__isnull=True)
        .exclude(valid_until__lt=today)
        .exists()
    )


# --- service types and skills ----------------------------------------------------------------------------------


@transaction.atomic
def skill_save(*, actor: User, community: Place, name: str, description: str = "", skill: Skill | None = None) -> Skill:
    """Staff add a skill (or rename one). Names are unique in the community."""
    require_staff(actor, community, SETUP_ACTIONS, _("只有社区工作人员可以管理技能"))
    require_same_community(skill, community)
    name = clean_or_fail(name, label=_("技能"), max_length=50, field="name", required=_("请填写技能名称"))
    description = clean_or_fail(description, label=_("说明"), max_length=200, field="description")
    if Skill.objects.filter(community=community, name=name).exclude(pk=skill.pk if skill else None).exists():
        raise Duplicate(_("本社区已有技能“%(name)s”") % {"name": name}, code=Code.SKILL_EXISTS)
    before = audit.snapshot(skill, ["name", "description"]) if skill else None
    row = skill or Skill(community=community)
    row.name, row.description = name, description
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        verb="timebank.skill_save",
        obj=row,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(row, ["name", "description"]),
    )
    return row


@transaction.atomic
def service_type_save(
    *,
    actor: User,
    community: Place,
    name: str,
    points_per_hour: int,
    required_skill: Skill | None = None,
    assisted_employment: bool = False,
    is_active: bool = True,
    sort_order: int = 0,
    service_type: ServiceType | None = None,
) -> ServiceType:
    """Staff add a service type with its points rule, or change one (`service_type`). A change applies to service
    approved from then on; points already posted stay as they were."""
    require_staff(actor, community, SETUP_ACTIONS, _("只有社区工作人员可以设置服务类型"))
    require_same_community(service_type, community)
    require_same_community(required_skill, community)
    name = clean_or_fail(name, label=_("服务类型"), max_length=50, field="name", required=_("请填写服务类型名称"))
    if (
        not isinstance(points_per_hour, int)
        or isinstance(points_per_hour, bool)
        or not 1 <= points_per_hour <= POINTS_PER_HOUR_MAX
    ):
        raise ValidationFailed(
            _("每小时积分应为 1 到 %(max)s 之间的整数") % {"max": POINTS_PER_HOUR_MAX},
            code=Code.BAD_POINTS,
            extra={"field": "points_per_hour"},
        )
    others = ServiceType.objects.filter(community=community, name=name)
    if service_type is not None:
        others = others.exclude(pk=service_type.pk)
    if others.exists():
        raise Duplicate(_("本社区已有服务类型“%(name)s”") % {"name": name}, code=Code.SERVICE_TYPE_EXISTS)
    fields = ["name", "points_per_hour", "required_skill", "assisted_employment", "is_active", "sort_order"]
    before = audit.snapshot(service_type, fields) if service_type else None
    row = service_type or ServiceType(community=community)
    row.name, row.points_per_hour, row.required_skill = name, points_per_hour, required_skill
    row.assisted_employment, row.is_active, row.sort_order = bool(assisted_employment), bool(is_active), sort_order
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        verb="timebank.service_type_save",
        obj=row,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(row, fields),
    )
    return row


def service_types_default(community: Place, *, actor: User | None = None) -> list[ServiceType]:
    """The default service types and the skills three of them need, made once per community: a second call (or a
    racing one, decided by the unique names) adds nothing and changes nothing staff have edited. With an actor it
    must be staff of the community."""
    if actor is not None:
        require_staff(
            actor,
            community,
            SETUP_ACTIONS,
            _("只有社区工作人员可以设置服务类型"),
        )
    with transaction.atomic():
        made: list[str] = []
        skills: dict[str, Skill] = {}
        # Stored names are data, kept in Chinese whatever the language of the request.
        for name, description in DEFAULT_SKILLS:
            skills[name], created = _get_or_create(Skill, community=community, name=name, description=description)
            if created:
                made.append(f"skill:{name}")
        for order, (name, points, skill_name, assisted) in enumerate(DEFAULT_TYPES, start=1):
            _row, created = _get_or_create(
                ServiceType,
                community=community,
                name=name,
                points_per_hour=points,
                required_skill=skills[skill_name] if skill_name else None,
                assisted_employment=assisted,
                sort_order=order,
            )
            if created:
                made.append(f"type:{name}")
        if made:
            audit.record(
                actor=actor,
                verb="timebank.service_types_default",
                object_type="timebank.servicetype",
                object_id=str(community.pk),
                community_id=community.pk,
                after={"created": made},
            )
    return list(ServiceType.objects.filter(community=community).select_related("required_skill"))


def _get_or_create(model: Any, *, community: Place, name: str, **defaults: Any) -> tuple[Any, bool]:
    row = model.objects.filter(community=community, name=name).first()
    if row is not None:
        return row, False
    try:
        with transaction.atomic():
            return model.objects.create(community=community, name=name, **defaults), True
    except IntegrityError:
        return model.objects.get(community=community, name=name), False


# --- training and certificates ---------------------------------------------------------------------------------


@transaction.atomic
def training_create(
    *,
    actor: User,
    community: Place,
    title: str,
    skill: Skill | None,
    trainer: str,
    place: Place | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> Training:
    """Staff (书记/社工) schedule a training; one that names a skill certifies it for those who pass."""
    require_staff(actor, community, (Action.TIMEBANK_TRAINING,), _("只有社区工作人员可以安排培训"))
    require_same_community(skill, community)
    require_place_in(place, community)
    title = clean_or_fail(title, label=_("培训名称"), max_length=100, field="title", required=_("请填写培训名称"))
    trainer = clean_or_fail(trainer, label=_("培训师/机构"), max_length=100, field="trainer")
    if not isinstance(starts_at, datetime.datetime) or not isinstance(ends_at, datetime.datetime):
        raise ValidationFailed(_("请填写培训的开始和结束时间"), code=Code.BAD_TIME, extra={"field": "starts_at"})
    if ends_at <= starts_at:
        raise ValidationFailed(_("结束时间必须晚于开始时间"), code=Code.BAD_SPAN, extra={"field": "ends_at"})
    if ends_at - starts_at > datetime.timedelta(days=31):
        raise ValidationFailed(_("一次培训不能超过 31 天"), code=Code.BAD_SPAN, extra={"field": "ends_at"})
    training = Training(
        community=community,
        title=title,
        skill=skill,
        trainer=trainer,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor,
    )
    training.full_clean()
    training.save()
    audit.record(
        actor=actor,
        verb="timebank.training_create",
        obj=training,
        community_id=community.pk,
        after=audit.snapshot(training, ["title", "skill", "trainer", "place", "starts_at", "ends_at"]),
    )
    return training


@transaction.atomic
def training_attend(*, actor: User, training: Training, person: Person, passed: bool = True) -> TrainingAttendance:
    """Staff record that a resident attended (from the sheet); passing a training with a skill issues a numbered
    certificate, unless the person already holds a live one of that skill (the partial unique constraint decides
    a race). Once per person and training."""
    community: Place = training.community
    require_staff(actor, community, (Action.TIMEBANK_TRAINING,), _("只有社区工作人员可以登记培训签到"))
    if person.community_id != community.pk:
        raise NotFound()
    if timezone.now() < training.starts_at:
        raise ValidationFailed(_("培训还没有开始，不能登记签到"), code=Code.NOT_STARTED)
    duplicate = Duplicate(_("%(name)s 已经登记过这次培训") % {"name": person.masked_name}, code=Code.ALREADY_ATTENDED)
    if TrainingAttendance.objects.filter(training=training, person=person).exists():
        raise duplicate
    try:
        with transaction.atomic():  # two staff entering the same sheet: the unique constraint keeps one
            attendance = TrainingAttendance.objects.create(
                community=community, training=training, person=person, passed=bool(passed), recorded_by=actor
            )
    except IntegrityError as exc:
        raise duplicate from exc
    certificate = None
    if passed and training.skill_id is not None and not has_live_certificate(person, training.skill_id):
        certificate = Certificate(
            community=community,
            person=person,
            skill_id=training.skill_id,
            training=training,
            # Unique because the attendance is: one certificate per attendance at most.
            number=f"ZS{timezone.localdate():%Y}{attendance.pk:07d}",
            issued_by=actor,
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            certificate = None  # a racing attendance of another training certified the same skill first
    audit.record(
        actor=actor,
        verb="timebank.training_attend",
        obj=attendance,
        community_id=community.pk,
        after={
            "training": training.pk,
            "person": person.pk,
            "passed": attendance.passed,
            "certificate": certificate.number if certificate else None,
        },
    )
    return attendance


@transaction.atomic
def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Staff revoke a certificate, with a reason; its holder can no longer offer the skill. Once."""
    community: Place = certificate.community
    require_staff(actor, community, (Action.TIMEBANK_TRAINING,), _("只有社区工作人员可以注销证书"))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    reason = clean_or_fail(
        reason,
        label=_("注销原因"),
        max_length=REASON_MAX,
        field="reason",
        required=_("注销证书必须填写原因"),
        required_code=Code.REASON_REQUIRED,
    )
    if certificate.revoked_at is not None:
        raise Duplicate(_("这张证书已经注销"), code=Code.ALREADY_REVOKED)
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason
    certificate.save(update_fields=["revoked_at", "revoke_reason"])
    audit.record(
        actor=actor,
        verb="timebank.certificate_revoke",
        obj=certificate,
        community_id=community.pk,
        after={"number": certificate.number, "reason": reason},
    )
    return certificate
