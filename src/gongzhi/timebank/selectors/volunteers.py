"""Reads of the volunteer lifecycle and of a volunteer's 志愿服务记录.

Staff (`TIMEBANK_VOLUNTEERS`) see the community's volunteers, teams, recruitment and every record; a resident sees
open recruitment posts, the teams, and their own record. Outside the community everything is a 404; a lower role
asking for a staff list gets 403.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord
from gongzhi.timebank.models.skills import TrainingAttendance
from gongzhi.timebank.models.volunteers import (
    Award,
    RecordProof,
    Recruitment,
    RecruitmentApplication,
    RecruitmentStatus,
    Team,
    TeamMember,
    Volunteer,
)
from gongzhi.timebank.predicates import can_manage_volunteers, require_member, require_volunteer_manager

__all__ = [
    "Period",
    "RecordView",
    "application_get",
    "approved_records",
    "own_volunteer",
    "person_for_registration",
    "proof_by_code",
    "proof_get",
    "record_totals",
    "recruitment_applications",
    "recruitment_get",
    "recruitment_list",
    "team_get",
    "team_list",
    "volunteer_get",
    "volunteer_list",
    "volunteer_record",
    "volunteer_teams",
]

Period = tuple[datetime.date | None, datetime.date | None]


def _staff(actor: User, community: Place) -> None:
    require_volunteer_manager(actor, community, _("只有社区工作人员可以查看志愿者名册"))


def volunteer_list(*, actor: User, community: Place, filters: dict[str, Any] | None = None) -> QuerySet[Volunteer]:
    """The community's volunteers by number, with their person and teams (staff only); filters: team, status."""
    _staff(actor, community)
    filters = filters or {}
    qs = Volunteer.objects.filter(community=community)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("team"):
        qs = qs.filter(team_memberships__team_id=filters["team"])
    teams = Prefetch("team_memberships", queryset=TeamMember.objects.select_related("team").order_by("team_id"))
    return qs.select_related("person").prefetch_related(teams).order_by("number", "id")


def volunteer_get(*, actor: User, community: Place, id: int) -> Volunteer:
    """One volunteer of the community, for staff; the volunteer themself may read their own too."""
    require_member(actor, community)
    volunteer: Volunteer | None = (
        Volunteer.objects.filter(community=community, pk=id).select_related("person", "community").first()
    )
    if volunteer is None:
        raise NotFound()
    if volunteer.person.account_id != actor.pk and not can_manage_volunteers(actor, community):
        raise PermissionDenied(_("只能查看自己的志愿服务记录"))
    return volunteer


def volunteer_teams(*, volunteer: Volunteer) -> list[TeamMember]:
    """The volunteer's team memberships by team name (the caller got the volunteer from `volunteer_get`)."""
    return list(TeamMember.objects.filter(volunteer=volunteer).select_related("team").order_by("team__name"))


def own_volunteer(*, actor: User, community: Place) -> Volunteer | None:
    """The actor's own registration in the community, if any."""
    require_member(actor, community)
    row: Volunteer | None = (
        Volunteer.objects.filter(community=community, person__account_id=actor.pk)
        .select_related("person", "community")
        .order_by("id")
        .first()
    )
    return row


def recruitment_list(*, actor: User, community: Place) -> tuple[list[Recruitment], set[int]]:
    """Staff: every post, newest first, with its application count. Others: the open ones. Plus the ids of the
    posts the actor has applied to."""
    require_member(actor, community)
    qs = Recruitment.objects.filter(community=community).select_related("team")
    if can_manage_volunteers(actor, community):
        qs = qs.annotate(applied=Count("applications"))
    else:
        today = timezone.localdate()
        qs = qs.filter(status=RecruitmentStatus.OPEN, opens_on__lte=today).filter(
            Q(closes_on__isnull=True) | Q(closes_on__gte=today)
        )
    posts = list(qs.order_by("-opens_on", "-id"))
    applied = set(
        RecruitmentApplication.objects.filter(
            community=community, person__account_id=actor.pk, recruitment__in=[p.pk for p in posts]
        ).values_list("recruitment_id", flat=True)
    )
    return posts, applied


def recruitment_applications(*, actor: User, recruitment: Recruitment) -> QuerySet[RecruitmentApplication]:
    _staff(actor, recruitment.community)
    return (
        RecruitmentApplication.objects.filter(recruitment=recruitment)
        .select_related("person", "volunteer")
        .order_by("created_at", "id")
    )


def team_list(*, actor: User, community: Place) -> list[Team]:
    """The community's teams and self-organizations with their member counts, for anyone of the community."""
    require_member(actor, community)
    return list(
        Team.objects.filter(community=community)
        .select_related("leader")
        .annotate(member_count=Count("members"))
        .order_by("kind", "-is_active", "name")
    )


# --- the 志愿服务记录 -----------------------------------------------------------------------------------------


def approved_records(community_id: int, person_id: int | None, period: Period | None) -> QuerySet[ServiceRecord]:
    """Approved services of one person (or of the whole community with person_id None) in the period."""
    qs = ServiceRecord.objects.filter(community_id=community_id, status=RecordStatus.APPROVED)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    start, end = period or (None, None)
    if start is not None:
        qs = qs.filter(service_date__gte=start)
    if end is not None:
        qs = qs.filter(service_date__lte=end)
    return qs


def record_totals(volunteer: Volunteer, period: Period | None = None) -> tuple[int, int]:
    """(services, minutes) of the volunteer's approved records in the period."""
    row = approved_records(volunteer.community_id, volunteer.person_id, period).aggregate(
        services=Count("pk"), minutes=Sum("minutes")
    )
    return int(row["services"] or 0), int(row["minutes"] or 0)


@dataclass
class RecordView:
    volunteer: Volunteer
    person: Person
    period: Period
    services: list[ServiceRecord] = field(default_factory=list)
    trainings: list[TrainingAttendance] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    minutes: int = 0

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    @property
    def service_count(self) -> int:
        return len(self.services)


def volunteer_record(*, actor: User, volunteer: Volunteer, period: Period | None = None) -> RecordView:
    """The 志愿服务记录: identity, each approved service (content, place, date, hours), trainings attended, awards,
    totals. The volunteer themself and staff only (who see the name in full; pages mask the ID number and phone)."""
    community: Place = volunteer.community
    require_member(actor, community)
    person: Person = volunteer.person
    own = person.account_id == actor.pk
    if not own and not can_manage_volunteers(actor, community):
        raise PermissionDenied(_("只能查看自己的志愿服务记录"))
    period = period or (None, None)
    services = list(
        approved_records(community.pk, person.pk, period)
        .select_related("place", "service_type", "session__activity")
        .order_by("service_date", "started_at", "id")
    )
    start, end = period
    trainings = TrainingAttendance.objects.filter(community=community, person=person).select_related("training")
    awards = Award.objects.filter(volunteer=volunteer)
    if start is not None:
        trainings = trainings.filter(training__starts_at__date__gte=start)
        awards = awards.filter(awarded_on__gte=start)
    if end is not None:
        trainings = trainings.filter(training__starts_at__date__lte=end)
        awards = awards.filter(awarded_on__lte=end)
    return RecordView(
        volunteer=volunteer,
        person=person,
        period=period,
        services=services,
        trainings=list(trainings.order_by("training__starts_at", "id")),
        awards=list(awards.order_by("awarded_on", "id")),
        minutes=sum(r.minutes for r in services),
    )


def proof_get(*, actor: User, community: Place, id: int) -> RecordProof:
    """A proof of the community, for the volunteer it is about and for staff."""
    require_member(actor, community)
    proof: RecordProof | None = (
        RecordProof.objects.filter(community=community, pk=id)
        .select_related("volunteer__person", "community", "issued_by")
        .first()
    )
    if proof is None:
        raise NotFound()
    if proof.volunteer.person.account_id != actor.pk and not can_manage_volunteers(actor, community):
        raise PermissionDenied(_("只能查看自己的志愿服务记录证明"))
    return proof


def proof_by_code(*, code: str) -> RecordProof | None:
    """The proof a verification code names, for the public verify page (no login); None if there is none."""
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        return None
    row: RecordProof | None = (
        RecordProof.objects.filter(code=code).select_related("volunteer__person", "community").first()
    )
    return row


def person_for_registration(*, actor: User, community: Place, id_number: str) -> Person:
    """The resident with this ID number among those the staff member can see in the community (404 otherwise)."""
    _staff(actor, community)
    number = (id_number or "").strip().upper()
    person: Person | None = (
        Person.objects.visible_to(actor).filter(community=community, id_number=number).first() if number else None
    )
    if person is None:
        raise NotFound(_("本社区没有这个身份证号的居民"))
    return person


def application_get(*, actor: User, community: Place, id: int) -> RecruitmentApplication:
    _staff(actor, community)
    row: RecruitmentApplication | None = (
        RecruitmentApplication.objects.filter(community=community, pk=id).select_related("person").first()
    )
    if row is None:
        raise NotFound()
    return row


def recruitment_get(*, actor: User, community: Place, id: int) -> Recruitment:
    require_member(actor, community)
    row: Recruitment | None = Recruitment.objects.filter(community=community, pk=id).select_related("community").first()
    if row is None:
        raise NotFound()
    return row


def team_get(*, actor: User, community: Place, id: int) -> Team:
    require_member(actor, community)
    row: Team | None = Team.objects.filter(community=community, pk=id).select_related("community").first()
    if row is None:
        raise NotFound()
    return row
