"""Reads of the 双找 surveys: which surveys an actor works on, the households to walk through, and progress.

"Visited" means at least one visit with outcome visited or declined; "no one home" alone leaves a household due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import Household, Place, PlaceKind
from gongzhi.rules.masking import mask_name
from gongzhi.voices.models import Category, Survey, SurveyVisit, VisitOutcome

__all__ = [
    "DONE_OUTCOMES",
    "HOUSEHOLD_STATES",
    "ProgressRow",
    "household_state",
    "masked_head",
    "survey_categories",
    "survey_get",
    "survey_household_get",
    "survey_household_visits",
    "survey_households",
    "survey_list",
    "survey_next_household",
    "survey_places",
    "survey_progress",
]

DONE_OUTCOMES = (VisitOutcome.VISITED, VisitOutcome.DECLINED)
# The household list's filters: never knocked, only "no one home" so far, and done.
HOUSEHOLD_STATES = ("todo", "nobody_home", "done")


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _survey_scope(actor: User, community_id: int) -> Q | None:
    """Surveys whose place meets the actor's SURVEY_VISIT or VOICE_MANAGE node: a survey over the courtyard reaches
    the building head of one of its buildings, and a grid worker whose grid has households inside it."""
    combined: Q | None = None
    for action in (Action.VOICE_MANAGE, Action.SURVEY_VISIT):
        for grant in grants_allowing(actor, action):
            if grant.community_id != community_id or grant.household_id is not None:
                continue
            if grant.grid_path is not None:
                q = Q(
                    Exists(
                        Household.objects.filter(
                            community_id=community_id,
                            grid_path__under=grant.grid_path,
                            place_path__startswith=OuterRef("place_path"),
                        )
                    )
                )
            elif grant.place_path:
                q = Q(place_path__under=grant.place_path) | Q(place_path__in=_prefixes(grant.place_path))
            else:
                continue
            combined = q if combined is None else combined | q
    return combined


def _households_under(survey_path: Any) -> Subquery:
    return Subquery(
        Household.objects.filter(place_path__startswith=survey_path)
        .order_by()
        .values("community_id")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def _done_under() -> Subquery:
    return Subquery(
        SurveyVisit.objects.filter(survey=OuterRef("pk"), outcome__in=DONE_OUTCOMES)
        .order_by()
        .values("survey_id")
        .annotate(n=Count("household_id", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def survey_list(*, actor: User, community: Place) -> QuerySet[Survey]:
    """The community's surveys the actor manages or walks, newest first, each with its household totals (one query)."""
    scope = _survey_scope(actor, community.pk)
    if scope is None:
        return Survey.objects.none()
    surveys: QuerySet[Survey] = (
        Survey.objects.filter(community=community)
        .filter(scope)
        .select_related("place")
        .annotate(
            n_households=Coalesce(_households_under(OuterRef("place_path")), Value(0)),
            n_done=Coalesce(_done_under(), Value(0)),
        )
        .order_by("is_closed", "-starts_on", "-id")
    )
    return surveys


def survey_get(*, actor: User, community: Place, survey_id: int) -> Survey:
    """A survey in the actor's reach, else 404 (as if it did not exist)."""
    survey: Survey | None = survey_list(actor=actor, community=community).filter(pk=survey_id).first()
    if survey is None:
        raise NotFound()
    return survey


def survey_places(*, actor: User, community: Place) -> list[Place]:
    """Where the actor may open a survey: the community and its compounds and courtyards under a VOICE_MANAGE node."""
    kinds = [PlaceKind.COMMUNITY, PlaceKind.VILLAGE, PlaceKind.COMPOUND, PlaceKind.COURTYARD, PlaceKind.NATURAL_VILLAGE]
    return list(
        Place.objects.restrict(actor, Action.VOICE_MANAGE)
        .filter(Q(community=community) | Q(pk=community.pk), kind__in=kinds)
        .order_by("path")
    )


def _visits(survey: Survey) -> QuerySet[SurveyVisit]:
    return SurveyVisit.objects.filter(survey_id=survey.pk, household_id=OuterRef("pk")).order_by("-visited_at", "-id")


def survey_households(*, actor: User, survey: Survey, filters: dict[str, Any] | None = None) -> QuerySet[Household]:
    """The households of the survey's place the actor may visit (SURVEY_VISIT), in walking order (building, unit,
    room), each annotated with its latest outcome and time, whether it is done, and its head's name. One query."""
    filters = filters or {}
    latest = _visits(survey)
    head = Person.objects.filter(household_id=OuterRef("pk"), relation=Relation.HEAD).order_by("id")
    rows: Any = (  # annotated: the stubs would not know last_outcome and is_done
        Household.objects.restrict(actor, Action.SURVEY_VISIT)
        .filter(community_id=survey.community_id, place_path__startswith=survey.place_path)
        .select_related("place", "grid")
        .annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_visited_at=Subquery(latest.values("visited_at")[:1]),
            is_done=Exists(
                SurveyVisit.objects.filter(survey_id=survey.pk, household_id=OuterRef("pk"), outcome__in=DONE_OUTCOMES)
            ),
            head_name=Subquery(head.values("name")[:1]),
        )
        .order_by("place_path", "room", "id")
    )
    state = filters.get("state") or ""
    if state == "todo":
        rows = rows.filter(is_done=False, last_outcome__isnull=True)
    elif state == "nobody_home":
        rows = rows.filter(is_done=False, last_outcome=VisitOutcome.NOBODY_HOME)
    elif state == "done":
        rows = rows.filter(is_done=True)
    elif state == "due":
        rows = rows.filter(is_done=False)
    result: QuerySet[Household] = rows
    return result


def household_state(row: Household) -> str:
    """todo / nobody_home / done, from survey_households' annotations."""
    if getattr(row, "is_done", False):
        return "done"
    return "nobody_home" if getattr(row, "last_outcome", None) == VisitOutcome.NOBODY_HOME else "todo"


def masked_head(row: Household) -> str:
    name = getattr(row, "head_name", None) or ""
    return mask_name(name) if name else ""


def survey_household_get(*, actor: User, survey: Survey, household_id: int) -> Household:
    """One household of the survey the actor may see; outside their reach (or the survey) is 404."""
    row: Household | None = survey_households(actor=actor, survey=survey).filter(pk=household_id).first()
    if row is not None:
        return row
    # A household the actor can see but may not visit is 403 in the service; here it does not belong to the sheet.
    raise NotFound()


def survey_next_household(*, actor: User, survey: Survey, after: Household | None = None) -> Household | None:
    """The next household still due (never knocked first, then "no one home"), after the one just recorded."""
    due: Any = survey_households(actor=actor, survey=survey, filters={"state": "due"})
    if after is not None:
        later = due.filter(Q(place_path__gt=after.place_path) | Q(place_path=after.place_path, room__gt=after.room))
        for rows in (later.filter(last_outcome__isnull=True), due.filter(last_outcome__isnull=True), later, due):
            found: Household | None = rows.exclude(pk=after.pk).first()
            if found is not None:
                return found
        return None
    nxt: Household | None = due.filter(last_outcome__isnull=True).first() or due.first()
    return nxt


@dataclass(frozen=True)
class ProgressRow:
    name: str
    visited: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.visited / self.total) if self.total else 0


def survey_progress(*, survey: Survey, by: str = "grid") -> list[ProgressRow]:
    """Households visited / total per grid or per building of the survey's place. Two queries whatever the size."""
    done = Exists(
        SurveyVisit.objects.filter(survey_id=survey.pk, household_id=OuterRef("pk"), outcome__in=DONE_OUTCOMES)
    )
    households = Household.objects.filter(
        community_id=survey.community_id, place_path__startswith=survey.place_path
    ).annotate(done=done)
    if by == "grid":
        counts = (
            households.order_by()
            .values("grid_id", "grid__name", "grid__path")
            .annotate(total=Count("id"), visited=Count("id", filter=Q(done=True)))
            .order_by("grid__path")
        )
        unassigned = str(_("未划网格"))
        return [ProgressRow(r["grid__name"] or unassigned, r["visited"], r["total"]) for r in counts]
    if by != "building":
        raise ValueError(by)
    buildings = list(
        Place.objects.filter(path__under=survey.place_path, kind=PlaceKind.BUILDING)
        .order_by("path")
        .values_list("path", "name", "parent__name")
    )
    by_path = (
        households.order_by().values("place_path").annotate(total=Count("id"), visited=Count("id", filter=Q(done=True)))
    )
    tally: dict[str, list[int]] = {path: [0, 0] for path, _n, _p in buildings}
    other = [0, 0]
    for r in by_path:
        key = next((p for p in _prefixes(r["place_path"])[::-1] if p in tally), None)
        slot = tally[key] if key is not None else other
        slot[0] += r["visited"]
        slot[1] += r["total"]
    # Building names repeat across compounds (1栋 in each): name them with their compound when the survey spans more.
    several = len({parent for _p, _n, parent in buildings}) > 1
    rows = [
        ProgressRow(f"{parent} {name}" if several and parent else name, *tally[path])
        for path, name, parent in buildings
        if tally[path][1]
    ]
    if other[1]:
        rows.append(ProgressRow(str(_("其他")), other[0], other[1]))
    return rows


def survey_categories(*, community: Place) -> list[Category]:
    """The categories a need found at the door may take: the community's active ones, in their order."""
    return list(Category.objects.filter(community=community, is_active=True).order_by("sort_order", "id"))


def survey_household_visits(*, survey: Survey, household: Household) -> list[SurveyVisit]:
    """The household's earlier visits in this survey, newest first, with the voices each one raised."""
    return list(
        SurveyVisit.objects.filter(survey=survey, household_id=household.pk)
        .select_related("visited_by")
        .prefetch_related("voices__category")
        .order_by("-visited_at", "-id")[:10]
    )
