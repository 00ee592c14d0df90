"""Reads of service types, skills, training and certificates. Service types, skills and trainings are public to
everyone with a role in the community; attendance sheets, all certificates and the chain are for staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.skills import Certificate, ServiceType, Skill, Training, TrainingAttendance
from gongzhi.timebank.predicates import require_member, require_staff

__all__ = [
    "ChainRow",
    "attendance_list",
    "certificate_get",
    "my_certificates",
    "person_find",
    "place_choices",
    "service_type_get",
    "service_type_list",
    "skill_chain",
    "skill_get",
    "skill_list",
    "training_get",
    "training_list",
]


def _staff(actor: User, community: Place) -> None:
    require_staff(actor, community, Action.TIMEBANK_TRAINING)


def service_type_list(*, actor: User, community: Place, active_only: bool = False) -> QuerySet[ServiceType]:
    """The community's service types in their order, with the skill each needs."""
    require_member(actor, community)
    qs = ServiceType.objects.filter(community=community).select_related("required_skill")
    return qs.filter(is_active=True) if active_only else qs


def service_type_get(*, actor: User, community: Place, id: int) -> ServiceType:
    row = service_type_list(actor=actor, community=community).filter(pk=id).first()
    if row is None:
        raise NotFound()
    return row


def skill_list(*, actor: User, community: Place) -> QuerySet[Skill]:
    """The community's skills with how many live certificates each has."""
    require_member(actor, community)
    qs: QuerySet[Skill] = (
        Skill.objects.filter(community=community)
        .annotate(holders=Count("certificates", filter=Q(certificates__revoked_at__isnull=True)))
        .order_by("name")
    )
    return qs


def skill_get(*, actor: User, community: Place, id: int) -> Skill:
    require_member(actor, community)
    row: Skill | None = Skill.objects.filter(community=community, pk=id).first()
    if row is None:
        raise NotFound()
    return row


def training_list(*, actor: User, community: Place) -> QuerySet[Training]:
    """Trainings, latest first, with their skill, place and attendance count."""
    require_member(actor, community)
    qs: QuerySet[Training] = (
        Training.objects.filter(community=community)
        .select_related("skill", "place")
        .annotate(attended=Count("attendances"))
        .order_by("-starts_at", "-id")
    )
    return qs


def training_get(*, actor: User, community: Place, id: int) -> Training:
    row: Training | None = (
        Training.objects.filter(community=community, pk=id).select_related("skill", "place", "community").first()
    )
    require_member(actor, community)
    if row is None:
        raise NotFound()
    return row


def attendance_list(*, actor: User, training: Training) -> list[TrainingAttendance]:
    """The attendance sheet (staff): each attendance with its person and the certificate it issued, if any, as
    `.certificate`."""
    _staff(actor, training.community)
    rows = list(
        TrainingAttendance.objects.filter(training=training).select_related("person").order_by("recorded_at", "id")
    )
    issued = {c.person_id: c for c in Certificate.objects.filter(training=training)}
    for row in rows:
        row.certificate = issued.get(row.person_id)
    return rows


def certificate_get(*, actor: User, community: Place, id: int) -> Certificate:
    _staff(actor, community)
    row: Certificate | None = (
        Certificate.objects.filter(community=community, pk=id).select_related("community", "person", "skill").first()
    )
    if row is None:
        raise NotFound()
    return row


def my_certificates(*, actor: User, community: Place) -> QuerySet[Certificate]:
    """The certificates of the actor's own resident records in the community, newest first."""
    require_member(actor, community)
    return (
        Certificate.objects.filter(community=community, person__account_id=actor.pk)
        .select_related("skill", "training")
        .order_by("-issued_on", "-id")
    )


def person_find(*, actor: User, community: Place, query: str) -> Person | None:
    """A resident the actor may see, by phone or ID number (the attendance sheet's lookup; no list of 30,000)."""
    query = (query or "").strip().upper()
    if not query:
        return None
    person: Person | None = (
        Person.objects.restrict(actor, Action.PERSON_VIEW)
        .filter(community=community)
        .filter(Q(phone=query) | Q(id_number=query))
        .first()
    )
    return person


def place_choices(*, community: Place) -> list[tuple[int, str]]:
    """The community's places top down, indented by depth, for a plain select."""
    rows = Place.objects.filter(path__under=community.path).order_by("path").values_list("pk", "name", "depth")
    return [(pk, "\u3000" * max(depth - community.depth, 0) + name) for pk, name, depth in rows]


@dataclass
class ChainRow:
    """One certified person's chain: trained → certified → served whom."""

    person: Person
    trainings: list[TrainingAttendance] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    records: list[ServiceRecord] = field(default_factory=list)
    assisted: bool = False

    @property
    def minutes(self) -> int:
        return sum(r.minutes for r in self.records)

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def people_served(self) -> int:
        return len({p.person_id for r in self.records for p in r.recipients.all()})


def skill_chain(*, actor: User, community: Place) -> list[ChainRow]:
    """琼花观's chain (staff): for each certified person, the trainings attended, the certificates held and the
    approved services of skilled types they gave, with whom they served. Four queries whatever the size."""
    _staff(actor, community)
    certificates = list(
        Certificate.objects.filter(community=community)
        .select_related("person", "skill", "training")
        .order_by("person_id", "issued_on", "id")
    )
    rows: dict[int, ChainRow] = {}
    for certificate in certificates:
        rows.setdefault(certificate.person_id, ChainRow(certificate.person)).certificates.append(certificate)
    if not rows:
        return []
    for attendance in (
        TrainingAttendance.objects.filter(community=community, person_id__in=rows)
        .select_related("training__skill")
        .order_by("training__starts_at", "id")
    ):
        rows[attendance.person_id].trainings.append(attendance)
    records = (
        ServiceRecord.objects.filter(
            community=community,
            person_id__in=rows,
            status=RecordStatus.APPROVED,
            service_type__required_skill__isnull=False,
        )
        .select_related("service_type")
        .prefetch_related(
            Prefetch("recipients", queryset=ServiceRecipient.objects.select_related("person").order_by("id"))
        )
        .order_by("-service_date", "-id")
    )
    for record in records:
        row = rows[record.person_id]
        skills = {c.skill_id for c in row.certificates}
        if record.service_type.required_skill_id in skills:
            row.records.append(record)
            row.assisted = row.assisted or record.service_type.assisted_employment
    return list(rows.values())
