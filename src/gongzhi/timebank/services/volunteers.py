"""The volunteer lifecycle: recruitment posts and applications, registration (a guardian's consent for minors,
志愿服务条例 Art. 15), status, teams and self-organizations, awards.

Staff (书记/社工, `TIMEBANK_VOLUNTEERS`) do everything but applying, which is a resident's own act. Each service is
one transaction with one audit event; an actor without a role in the community gets 404, a lower role 403.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import phone as phone_rules
from gongzhi.rules.volunteer_age import is_minor
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.volunteers import (
    Award,
    Recruitment,
    RecruitmentApplication,
    RecruitmentStatus,
    Team,
    TeamKind,
    TeamMember,
    Volunteer,
    VolunteerStatus,
)
from gongzhi.timebank.predicates import in_community, require_volunteer_manager

__all__ = [
    "award_add",
    "recruitment_apply",
    "recruitment_close",
    "recruitment_is_open",
    "recruitment_save",
    "team_member_add",
    "team_save",
    "volunteer_number",
    "volunteer_register",
    "volunteer_status_set",
]

NUMBER_TRIES = 5


def _date(value: Any, *, label: str, field: str, required: bool = False) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(
                _("请填写%(label)s") % {"label": label}, code=Code.DATE_REQUIRED, extra={"field": field}
            )
        return None
    if isinstance(value, datetime.date):
        return value
    raise ValidationFailed(_("%(label)s格式不正确") % {"label": label}, code=Code.BAD_DATE, extra={"field": field})


# --- recruitment -----------------------------------------------------------------------------------------------


@transaction.atomic
def recruitment_save(
    *,
    actor: User,
    community: Place,
    title: str,
    description: str,
    recruitment: Recruitment | None = None,
    team: Team | None = None,
    needed: int = 0,
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
) -> Recruitment:
    """Staff post (or edit) a recruitment; it is open until closed or past its closing day."""
    require_volunteer_manager(actor, community)
    if recruitment is not None:
        recruitment = Recruitment.objects.select_for_update().get(pk=recruitment.pk)
        if recruitment.community_id != community.pk:
            raise NotFound()
    if team is not None and team.community_id != community.pk:
        raise NotFound()
    title = clean_or_fail(title, label=_("标题"), max_length=100, field="title", required=_("请填写招募标题"))
    description = clean_or_fail(
        description, label=_("内容"), max_length=4000, field="description", required=_("请填写招募内容")
    )
    if not isinstance(needed, int) or isinstance(needed, bool) or needed < 0:
        raise ValidationFailed(_("招募人数必须是非负整数"), code=Code.BAD_NEEDED, extra={"field": "needed"})
    opens = _date(opens_on, label=_("开始日期"), field="opens_on") or timezone.localdate()
    closes = _date(closes_on, label=_("截止日期"), field="closes_on")
    if closes is not None and closes < opens:
        raise ValidationFailed(_("截止日期不能早于开始日期"), code=Code.BAD_PERIOD, extra={"field": "closes_on"})
    fields = ["title", "description", "team", "needed", "opens_on", "closes_on", "status"]
    before = audit.snapshot(recruitment, fields) if recruitment is not None else None
    row = recruitment or Recruitment(community=community, created_by=actor)
    row.title, row.description, row.team, row.needed, row.opens_on, row.closes_on = (
        title,
        description,
        team,
        needed,
        opens,
        closes,
    )
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        verb="timebank.recruitment_save",
        obj=row,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(row, fields),
    )
    return row


@transaction.atomic
def recruitment_close(*, actor: User, recruitment: Recruitment) -> Recruitment:
    """Staff end a recruitment; applying is refused afterwards. Closing a closed one changes nothing."""
    row: Recruitment = Recruitment.objects.select_for_update().select_related("community").get(pk=recruitment.pk)
    require_volunteer_manager(actor, row.community)
    if row.status == RecruitmentStatus.CLOSED:
        return row
    row.status = RecruitmentStatus.CLOSED
    row.save(update_fields=["status"])
    audit.record(
        actor=actor,
        verb="timebank.recruitment_close",
        obj=row,
        community_id=row.community_id,
        before={"status": RecruitmentStatus.OPEN},
        after={"status": RecruitmentStatus.CLOSED},
    )
    return row


def recruitment_is_open(recruitment: Recruitment, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        recruitment.status == RecruitmentStatus.OPEN
        and recruitment.opens_on <= today
        and (recruitment.closes_on is None or today <= recruitment.closes_on)
    )


@transaction.atomic
def recruitment_apply(*, actor: User, recruitment: Recruitment, note: str = "") -> RecruitmentApplication:
    """A resident of the community applies to an open recruitment, once."""
    row = Recruitment.objects.select_for_update().select_related("community").get(pk=recruitment.pk)
    community = row.community
    if actor is None or not getattr(actor, "is_authenticated", False) or not in_community(actor, community):
        raise NotFound()
    person = Person.objects.filter(account_id=actor.pk, community=community).order_by("id").first()
    if person is None:
        raise PermissionDenied(_("只有本社区登记的居民可以报名"))
    if not recruitment_is_open(row):
        raise ValidationFailed(_("这项招募已经结束，不能再报名"), code=Code.RECRUITMENT_CLOSED)
    note = clean_or_fail(note, label=_("留言"), max_length=200, field="note")
    if RecruitmentApplication.objects.filter(recruitment=row, person=person).exists():
        raise Duplicate(_("您已经报名过这项招募"), code=Code.ALREADY_APPLIED)
    application = RecruitmentApplication.objects.create(community=community, recruitment=row, person=person, note=note)
    audit.record(
        actor=actor,
        verb="timebank.recruitment_apply",
        obj=application,
        community_id=community.pk,
        after={"recruitment": row.pk, "person": person.pk},
    )
    return application


# --- registration ----------------------------------------------------------------------------------------------


def volunteer_number(community: Place, offset: int = 0) -> str:
    """The next number in the community: its id and a running count, e.g. "0012-00042"."""
    count = Volunteer.objects.filter(community=community).count()
    return f"{community.pk:04d}-{count + 1 + offset:05d}"


def _guardian(
    person: Person, on: datetime.date, name: str, phone: str, relation: str, consent: bool
) -> tuple[str, str, str, datetime.datetime | None]:
    """A minor's guardian and consent, checked; an adult's guardian fields are not kept."""
    if not is_minor(person.birth_date, on):
        return "", "", "", None
    name = clean_or_fail(name, label=_("监护人姓名"), max_length=50, field="guardian_name")
    relation = clean_or_fail(relation, label=_("与监护人关系"), max_length=20, field="guardian_relation")
    missing = _("未满18周岁的志愿者须由监护人同意：请填写监护人姓名、手机号，并确认监护人已同意")
    if not name:
        raise ValidationFailed(missing, code=Code.GUARDIAN_CONSENT_REQUIRED, extra={"field": "guardian_name"})
    if not phone_rules.is_valid(phone or ""):
        raise ValidationFailed(
            _("监护人手机号不正确：应为11位数字，以13-19开头"),
            code=Code.GUARDIAN_CONSENT_REQUIRED,
            extra={"field": "guardian_phone"},
        )
    if consent is not True:
        raise ValidationFailed(missing, code=Code.GUARDIAN_CONSENT_REQUIRED, extra={"field": "guardian_consent"})
    return name, phone_rules.normalize(phone), relation, timezone.now()


@transaction.atomic
def volunteer_register(
    *,
    actor: User,
    community: Place,
    person: Person,
    service_areas: str = "",
    guardian_name: str = "",
    guardian_phone: str = "",
    guardian_relation: str = "",
    guardian_consent: bool = False,
    application: RecruitmentApplication | None = None,
) -> Volunteer:
    """Staff register a resident of the community as a volunteer, once; a person under 18 on the day needs their
    guardian's name, a valid phone and the recorded consent. The number is the next free one in the community."""
    require_volunteer_manager(actor, community)
    if person.community_id != community.pk:
        raise NotFound()
    if application is not None and (application.community_id != community.pk or application.person_id != person.pk):
        raise NotFound()
    service_areas = clean_or_fail(service_areas, label=_("服务意向"), max_length=200, field="service_areas")
    today = timezone.localdate()
    g_name, g_phone, g_relation, consent_at = _guardian(
        person, today, guardian_name, guardian_phone, guardian_relation, guardian_consent
    )
    if Volunteer.objects.filter(community=community, person=person).exists():
        raise Duplicate(_("这位居民已经注册为志愿者"), code=Code.ALREADY_REGISTERED)
    volunteer = None
    for attempt in range(NUMBER_TRIES):
        try:
            with transaction.atomic():  # a savepoint: a racing registration may take the same number
                volunteer = Volunteer.objects.create(
                    community=community,
                    person=person,
                    number=volunteer_number(community, attempt),
                    registered_on=today,
                    service_areas=service_areas,
                    guardian_name=g_name,
                    guardian_phone=g_phone,
                    guardian_relation=g_relation,
                    guardian_consent_at=consent_at,
                    registered_by=actor,
                )
            break
        except IntegrityError:
            if Volunteer.objects.filter(community=community, person=person).exists():
                raise Duplicate(_("这位居民已经注册为志愿者"), code=Code.ALREADY_REGISTERED) from None
    if volunteer is None:
        raise Duplicate(_("志愿者编号冲突，请重试"), code=Code.NUMBER_TAKEN)
    if application is not None:
        RecruitmentApplication.objects.filter(pk=application.pk).update(volunteer=volunteer)
    audit.record(
        actor=actor,
        verb="timebank.volunteer_register",
        obj=volunteer,
        community_id=community.pk,
        after={
            **audit.snapshot(volunteer, ["person", "number", "registered_on", "service_areas", "guardian_relation"]),
            "minor": consent_at is not None,
            "guardian_consent_at": consent_at,
            **({"application": application.pk} if application is not None else {}),
        },
    )
    return volunteer


@transaction.atomic
def volunteer_status_set(*, actor: User, volunteer: Volunteer, status: str) -> Volunteer:
    """Staff suspend, reinstate or record the leaving of a volunteer; the record stays."""
    row: Volunteer = Volunteer.objects.select_for_update().select_related("community").get(pk=volunteer.pk)
    require_volunteer_manager(actor, row.community)
    if status not in VolunteerStatus.values:
        raise ValidationFailed(_("志愿者状态不正确"), code=Code.BAD_STATUS, extra={"field": "status"})
    if row.status == status:
        return row
    before = row.status
    row.status = status
    row.save(update_fields=["status"])
    audit.record(
        actor=actor,
        verb="timebank.volunteer_status",
        obj=row,
        community_id=row.community_id,
        before={"status": before},
        after={"status": status},
    )
    return row


# --- teams -----------------------------------------------------------------------------------------------------


@transaction.atomic
def team_save(
    *,
    actor: User,
    community: Place,
    name: str,
    kind: str = TeamKind.TEAM,
    team: Team | None = None,
    description: str = "",
    leader: Person | None = None,
    founded_on: datetime.date | None = None,
    is_mature: bool = False,
    is_active: bool = True,
) -> Team:
    """Staff create or edit a volunteer team or a residents' self-organization; names are unique in the community."""
    require_volunteer_manager(actor, community)
    if team is not None:
        team = Team.objects.select_for_update().get(pk=team.pk)
        if team.community_id != community.pk:
            raise NotFound()
    if leader is not None and leader.community_id != community.pk:
        raise NotFound()
    if kind not in TeamKind.values:
        raise ValidationFailed(_("队伍类型不正确"), code=Code.BAD_KIND, extra={"field": "kind"})
    name = clean_or_fail(name, label=_("名称"), max_length=100, field="name", required=_("请填写队伍名称"))
    description = clean_or_fail(description, label=_("简介"), max_length=2000, field="description")
    founded = _date(founded_on, label=_("成立日期"), field="founded_on")
    clash = Team.objects.filter(community=community, name=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise Duplicate(_("已有同名的队伍或自组织"), code=Code.TEAM_NAME_TAKEN, extra={"field": "name"})
    fields = ["kind", "name", "description", "leader", "founded_on", "is_mature", "is_active"]
    before = audit.snapshot(team, fields) if team is not None else None
    row = team or Team(community=community)
    row.kind, row.name, row.description, row.leader, row.founded_on = kind, name, description, leader, founded
    row.is_mature, row.is_active = bool(is_mature), bool(is_active)
    row.full_clean(validate_constraints=False)
    row.save()
    audit.record(
        actor=actor,
        verb="timebank.team_save",
        obj=row,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(row, fields),
    )
    return row


@transaction.atomic
def team_member_add(*, actor: User, team: Team, volunteer: Volunteer) -> TeamMember:
    """Staff add a registered volunteer of the same community to a team, once."""
    community: Place = team.community
    require_volunteer_manager(actor, community)
    if volunteer.community_id != team.community_id:
        raise NotFound()
    if TeamMember.objects.filter(team=team, volunteer=volunteer).exists():
        raise Duplicate(_("这位志愿者已经在队伍中"), code=Code.ALREADY_MEMBER)
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(community=community, team=team, volunteer=volunteer)
    except IntegrityError:
        raise Duplicate(_("这位志愿者已经在队伍中"), code=Code.ALREADY_MEMBER) from None
    audit.record(
        actor=actor,
        verb="timebank.team_member_add",
        obj=member,
        community_id=community.pk,
        after={"team": team.pk, "volunteer": volunteer.pk},
    )
    return member


# --- awards ----------------------------------------------------------------------------------------------------


@transaction.atomic
def award_add(
    *, actor: User, volunteer: Volunteer, title: str, awarded_on: datetime.date, issuer: str, note: str = ""
) -> Award:
    """Staff record an award or commendation in the volunteer's record (表彰奖励)."""
    community: Place = volunteer.community
    require_volunteer_manager(actor, community)
    title = clean_or_fail(title, label=_("表彰名称"), max_length=100, field="title", required=_("请填写表彰名称"))
    issuer = clean_or_fail(issuer, label=_("授予单位"), max_length=100, field="issuer", required=_("请填写授予单位"))
    note = clean_or_fail(note, label=_("说明"), max_length=200, field="note")
    day = _date(awarded_on, label=_("表彰日期"), field="awarded_on", required=True)
    assert day is not None
    if day > timezone.localdate():
        raise ValidationFailed(_("表彰日期不能晚于今天"), code=Code.FUTURE_DATE, extra={"field": "awarded_on"})
    award = Award.objects.create(
        community=community,
        volunteer=volunteer,
        title=title,
        awarded_on=day,
        issuer=issuer,
        note=note,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        verb="timebank.award_add",
        obj=award,
        community_id=community.pk,
        after=audit.snapshot(award, ["volunteer", "title", "awarded_on", "issuer", "note"]),
    )
    return award
