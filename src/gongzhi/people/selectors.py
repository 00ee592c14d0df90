"""Reads on residents, already scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet

from gongzhi.core.audit import data_version
from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import CorrectionRequest, CorrectionStatus, ImportJob, Person, PersonTag, SensitiveAs, Tag
from gongzhi.people.predicates import visible_tag_categories
from gongzhi.places.models import Place


def tag_list(*, actor: User, community: Place) -> list[Tag]:
    """Built-in and community tags; a sensitive tag only for roles that may see its category."""
    categories = visible_tag_categories(actor, community)
    key = f"gongzhi:tags:{community.pk}:{data_version(community.pk)}"
    tags: list[Tag] | None = cache.get(key)
    if tags is None:
        tags = list(Tag.objects.filter(Q(community=None) | Q(community=community)))
        cache.set(key, tags, 300)
    return [t for t in tags if not t.sensitive_as or t.sensitive_as in categories]


def person_list(
    *,
    actor: User,
    community: Place,
    q: str = "",
    place: Place | None = None,
    tag: Tag | None = None,
    include_non_residents: bool = False,
) -> QuerySet[Person]:
    people = Person.objects.visible_to(actor).filter(community=community)
    q = q.strip()
    exact = (q.isdigit() and len(q) == 11) or len(q) == 18
    # Owners living elsewhere are registered people too; a lookup by phone or ID number finds them.
    if not (include_non_residents or exact):
        people = people.exclude(household=None)
    if place is not None:
        people = people.filter(place_path__under=place.path)
    if tag is not None:
        people = people.filter(Exists(PersonTag.objects.filter(person=OuterRef("pk"), tag=tag)))
    if q:
        if q.isdigit() and len(q) == 11:
            people = people.filter(phone=q)
        elif len(q) == 18:
            people = people.filter(id_number=q.upper())
        else:
            people = people.filter(name__contains=q)
    # Path then id follows the index, so a page of a 30,000-row community needs no sort.
    return people.select_related("household").order_by("place_path", "id")


def person_get(*, actor: User, community: Place, person_id: int) -> Person:
    person: Person | None = (
        Person.objects.visible_to(actor)
        .filter(pk=person_id, community=community)
        .select_related("household", "household__grid", "account")
        .first()
    )
    if person is None:
        raise NotFound()
    return person


@dataclass
class PersonTagView:
    plain: list[Tag]  # not sensitive: shown as they are
    sensitive: list[Tag]  # sensitive and in a category the actor may see: shown only through a logged reveal
    # Whether the actor's role cannot see some sensitive category at all. It is said of the role, never counted per
    # person: "1 hidden tag" told a 社工, who sees every category but Party membership, who is a member.
    partial: bool

    @property
    def categories(self) -> list[str]:
        return sorted({t.sensitive_as for t in self.sensitive})


def person_tags(*, actor: User, person: Person) -> PersonTagView:
    categories = visible_tag_categories(actor, person.community)
    tags = [pt.tag for pt in PersonTag.objects.filter(person=person).select_related("tag")]
    sensitive = [t for t in tags if t.sensitive_as and t.sensitive_as in categories]
    plain = [t for t in tags if not t.sensitive_as]
    return PersonTagView(plain, sensitive, len(categories) < len(SensitiveAs.values) - 1)


def my_persons(*, actor: User) -> QuerySet[Person]:
    """A resident's own records, in every community; self-scoped by the account link."""
    if not actor.is_authenticated:
        return Person.objects.none()
    return Person.objects.filter(account=actor).select_related("community", "household")


def correction_list(*, actor: User, community: Place, open_only: bool = True) -> QuerySet[CorrectionRequest]:
    qs = CorrectionRequest.objects.restrict(actor, Action.CORRECTION_HANDLE).filter(community=community)
    if open_only:
        qs = qs.filter(status=CorrectionStatus.OPEN)
    return qs.select_related("person", "requested_by")


def import_job_list(*, actor: User, community: Place) -> QuerySet[ImportJob]:
    return ImportJob.objects.visible_to(actor).filter(community=community).select_related("target")[:20]


def import_job_get(*, actor: User, community: Place, job_id: int) -> ImportJob:
    job: ImportJob | None = (
        ImportJob.objects.visible_to(actor).filter(pk=job_id, community=community).select_related("target").first()
    )
    if job is None:
        raise NotFound()
    return job
