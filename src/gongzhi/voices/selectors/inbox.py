"""Reads for the inbox: the voices a user handles (not merely sees), one voice for handling with its full
timeline, the counts the inbox shows, and the lookups its forms need. Each starts from `visible_to`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from gongzhi.core.audit import data_version
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.permissions import Action, role_allows
from gongzhi.core.scoping import grants_allowing, grants_for
from gongzhi.places.models import Grid, Place
from gongzhi.voices.models import (
    Category,
    CustomStatus,
    Party,
    PartyMember,
    Voice,
    VoiceEvent,
    VoiceFollower,
    VoicePhoto,
    party_ids_of,
)
from gongzhi.voices.predicates import can_handle, has_inbox

__all__ = [
    "ORDERINGS",
    "InboxFilters",
    "api_voice_get",
    "api_voice_list",
    "category_by_code",
    "community_parties",
    "custom_status_names",
    "handling_q",
    "inbox_counts",
    "inbox_groups",
    "inbox_list",
    "inbox_scope_key",
    "meeting_for_entry",
    "meeting_suggestions",
    "meetings_with_suggestions",
    "person_get",
    "persons_search",
    "place_in_or_none",
    "public_timeline",
    "similar_for_merge",
    "topic_voices",
    "voice_followers_count",
    "voice_for_handling",
    "voice_photos",
    "voice_timeline_full",
]

ORDERINGS = {
    "new": ("-created_at", "-id"),
    "old": ("created_at", "id"),
    "due": ("due_at", "id"),
    "support": ("-support_count", "-created_at", "-id"),
}
PERSON_SEARCH_LIMIT = 20
# The inbox's counts and repeated-complaint groups are cached per community data version (bumped on every
# committed write); the TTL only bounds what a write outside the services could leave behind.
FIGURES_TTL = 300


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox can be narrowed by; every field is optional. `state` is a status code, "open" or "closed"."""

    state: str = ""
    category: int | None = None
    party: int | None = None
    grid: int | None = None
    place: int | None = None
    overdue: bool = False
    q: str = ""
    order: str = "new"

    def key(self) -> str:
        return repr(self)


def handling_q(actor: User) -> Q | None:
    """The voices the actor works, as opposed to sees: managers their subtree, grid workers their grid, building
    and group heads their place, a party's members what is assigned to it. None when there are none."""
    combined: Q | None = None

    def add(q: Q) -> None:
        nonlocal combined
        combined = q if combined is None else combined | q

    for grant in grants_allowing(actor, Action.VOICE_MANAGE):
        if grant.place_path:
            add(Q(place_path__under=grant.place_path))
    for grant in grants_allowing(actor, Action.VOICE_ENTER):
        if not role_allows(grant.role, Action.VOICE_HANDLE):
            continue
        if grant.grid_path is not None:
            add(Q(grid_path__under=grant.grid_path))
        elif grant.place_path:
            add(Q(place_path__under=grant.place_path))
    if getattr(actor, "is_authenticated", False):
        parties = party_ids_of(actor)
        if parties and any(role_allows(g.role, Action.VOICE_HANDLE) for g in grants_for(actor)):
            add(Q(party_id__in=parties))
    return combined


def _covers_community(actor: User, community: Place) -> bool:
    """Whether one grant of the actor handles the whole community: a manager there or above, or someone who
    enters and handles for all of it (not a grid). Then `visible_to` and `handling_q` both contain a range over
    the community's subtree, and within the community they are the community itself."""
    for grant in grants_allowing(actor, Action.VOICE_MANAGE):
        if grant.place_path and community.path.startswith(grant.place_path):
            return True
    for grant in grants_allowing(actor, Action.VOICE_ENTER):
        if grant.grid_path is not None or not role_allows(grant.role, Action.VOICE_HANDLE):
            continue
        if grant.place_path and community.path.startswith(grant.place_path):
            return True
    return False


def _handled(actor: User, community: Place) -> QuerySet[Voice]:
    """The voices the actor handles in the community, from `visible_to`. For whoever covers the community this
    is just `community_id = …`: an OR of path ranges and subqueries would defeat every index at 100,000 voices."""
    if _covers_community(actor, community):
        covered: QuerySet[Voice] = Voice.objects.filter(community_id=community.pk)
        return covered
    q = handling_q(actor)
    if q is None:
        return Voice.objects.none()
    result: QuerySet[Voice] = Voice.objects.visible_to(actor).filter(q, community_id=community.pk)
    return result


def inbox_scope_key(*, actor: User, community: Place) -> str:
    """What the actor's inbox in this community depends on, for cache keys: the same for every user who covers
    the community (so they share the cached figures), else their grants and parties."""
    if _covers_community(actor, community):
        return "all"
    parties = party_ids_of(actor) if getattr(actor, "is_authenticated", False) else []
    scope = repr((grants_for(actor), sorted(parties)))
    return hashlib.sha1(scope.encode(), usedforsecurity=False).hexdigest()[:20]


def _figures_key(name: str, actor: User, community: Place) -> str:
    scope = inbox_scope_key(actor=actor, community=community)
    return f"gongzhi:voiceinbox:{name}:{community.pk}:{scope}:{data_version(community.pk)}"


def _filtered(qs: QuerySet[Voice], community: Place, filters: InboxFilters) -> QuerySet[Voice]:
    state = filters.state
    if state == "open":
        qs = qs.filter(is_open=True)
    elif state == "closed":
        qs = qs.filter(is_open=False)
    elif state:
        qs = qs.filter(status=state)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.party:
        qs = qs.filter(party_id=filters.party)
    if filters.grid:
        grid = Grid.objects.filter(pk=filters.grid, community_id=community.pk).values_list("path", flat=True).first()
        qs = qs.filter(grid_path__under=grid) if grid else qs.none()
    if filters.place:
        path = Place.objects.filter(pk=filters.place, path__under=community.path).values_list("path", flat=True).first()
        qs = qs.filter(place_path__under=path) if path else qs.none()
    if filters.overdue:
        qs = qs.filter(is_open=True, due_at__lt=timezone.now())
    text = filters.q.strip()[:50]
    if text:
        qs = qs.filter(Q(pk=int(text.lstrip("#"))) if text.lstrip("#").isdigit() else Q(text__contains=text))
    order = ORDERINGS.get(filters.order, ORDERINGS["new"])
    return qs.select_related("category", "party", "place", "grid").order_by(*order)


def inbox_list(*, actor: User, community: Place, filters: InboxFilters) -> QuerySet[Voice]:
    """The inbox rows, filtered and ordered, with what a row shows joined in (constant queries per page)."""
    return _filtered(_handled(actor, community), community, filters)


def api_voice_list(*, actor: User, community: Place, filters: InboxFilters) -> QuerySet[Voice]:
    """The API's list: the inbox for those who handle voices here; for everyone else the voices they raised or
    follow (a resident's own), with the same filters."""
    if has_inbox(actor, community):
        return inbox_list(actor=actor, community=community, filters=filters)
    from gongzhi.voices.selectors.voices import own_voice_ids

    # One's own and followed voices are always within visible_to; the UNION keeps the query on its indexes.
    own = Voice.objects.filter(pk__in=own_voice_ids(actor=actor, community=community))
    return _filtered(own, community, filters)


def api_voice_get(*, actor: User, community: Place, voice_id: int) -> Voice:
    """Any voice the actor may see (their own, a public one, one they handle)."""
    voice: Voice | None = (
        Voice.objects.visible_to(actor)
        .filter(pk=voice_id, community_id=community.pk)
        .select_related("category", "party", "place")
        .first()
    )
    if voice is None:
        raise NotFound()
    return voice


def public_timeline(*, voice: Voice) -> list[VoiceEvent]:
    """The timeline without internal notes; events carry the party's label, never a name."""
    return list(VoiceEvent.objects.filter(voice=voice, is_public=True).order_by("created_at", "id"))


def category_by_code(*, community: Place, code: str) -> Category | None:
    found: Category | None = Category.objects.filter(community_id=community.pk, code=code, is_active=True).first()
    return found


def place_in_or_none(*, community: Place, place_id: int) -> Place | None:
    found: Place | None = Place.objects.filter(pk=place_id, path__under=community.path).first()
    return found


def custom_status_names(*, community_id: int) -> dict[str, str]:
    return dict(CustomStatus.objects.filter(community_id=community_id).values_list("code", "name"))


def inbox_groups(*, actor: User, community: Place, limit: int = 5) -> list[dict[str, Any]]:
    """Repeated complaints: open voices of one category at one place, two or more, with how many people raised
    them (one query, cached per community data version). The inbox links each group to its filtered list, from
    which staff merge or promote."""
    key = _figures_key(f"groups{limit}", actor, community)
    found: list[dict[str, Any]] | None = cache.get(key)
    if found is None:
        found = list(
            _handled(actor, community)
            .filter(is_open=True, merged_into__isnull=True)
            .values("place_id", "place__name", "category_id", "category__name")
            .annotate(n=Count("id"), people=Sum("support_count"))
            .filter(n__gte=2)
            .order_by("-n", "-people", "place_id", "category_id")[:limit]
        )
        cache.set(key, found, FIGURES_TTL)
    return found


def topic_voices(*, actor: User, topic: Any) -> tuple[int, int, list[Voice]]:
    """For a 议事厅 topic page: how many voices and people it came from (everyone may know), and the voices the
    viewer may see."""
    totals = Voice.objects.filter(topic_id=topic.pk).aggregate(n=Count("id"), support=Sum("support_count"))
    if not totals["n"]:
        return 0, 0, []
    shown = list(Voice.objects.visible_to(actor).filter(topic_id=topic.pk).order_by("id"))
    return int(totals["n"]), int(totals["support"] or 0), shown


def inbox_counts(*, actor: User, community: Place) -> dict[str, int]:
    """Rows per status over the whole inbox, plus "open" and "overdue": two queries, cached per community data
    version. "Overdue" also moves with the clock, so the cached figures keep the next deadline of an open voice
    that has not passed yet and are recomputed once it has: exact without a write, not merely fresh within a TTL."""
    key = _figures_key("counts", actor, community)
    now = timezone.now()
    found: dict[str, Any] | None = cache.get(key)
    if found is None or (found["next_due"] is not None and found["next_due"] < now):
        qs = _handled(actor, community)
        counts: dict[str, int] = {}
        open_ = 0
        for row in qs.values("status", "is_open").annotate(n=Count("id")).order_by():
            counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
            open_ += row["n"] if row["is_open"] else 0
        due = qs.filter(is_open=True).aggregate(
            overdue=Count("id", filter=Q(due_at__lt=now)), next_due=Min("due_at", filter=Q(due_at__gte=now))
        )
        found = {"counts": {**counts, "open": open_, "overdue": due["overdue"] or 0}, "next_due": due["next_due"]}
        cache.set(key, found, FIGURES_TTL)
    return dict(found["counts"])


def voice_for_handling(*, actor: User, voice_id: int, community: Place | None = None) -> Voice:
    """One voice with everything the handling page shows. Invisible → 404; visible but not the actor's to handle
    (a resident's own, a public one) → 403."""
    qs = Voice.objects.visible_to(actor).filter(pk=voice_id)
    if community is not None:
        qs = qs.filter(community_id=community.pk)
    voice: Voice | None = qs.select_related(
        "category", "party", "place", "grid", "household", "household__place", "reporter", "reporter_person",
        "entered_by", "merged_into", "topic", "meeting",
    ).first()  # fmt: skip
    if voice is None:
        raise NotFound()
    if not can_handle(actor, voice):
        raise PermissionDenied(_not_yours())
    return voice


def _not_yours() -> str:
    from django.utils.translation import gettext as _

    return _("该诉求不由您办理")


def voice_timeline_full(*, voice: Voice) -> list[VoiceEvent]:
    """Every event including internal notes, for those who handle the voice."""
    return list(VoiceEvent.objects.filter(voice=voice).select_related("actor", "party").order_by("created_at", "id"))


def voice_photos(*, voice: Voice) -> list[VoicePhoto]:
    return list(VoicePhoto.objects.filter(voice=voice).order_by("id"))


def voice_followers_count(*, voice: Voice) -> int:
    return VoiceFollower.objects.filter(voice=voice).count()


def community_parties(*, community: Place, active_only: bool = True) -> list[Party]:
    qs = Party.objects.filter(community_id=community.pk)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("kind", "name"))


def community_categories(*, community: Place, active_only: bool = False) -> list[Category]:
    qs = Category.objects.filter(community_id=community.pk)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("sort_order", "id"))


def community_grids(*, community: Place) -> list[Grid]:
    return list(Grid.objects.filter(community_id=community.pk).order_by("path"))


def custom_statuses(*, community: Place) -> list[CustomStatus]:
    return list(CustomStatus.objects.filter(community_id=community.pk).order_by("sort_order", "id"))


def party_members_of(*, party: Party) -> list[PartyMember]:
    return list(PartyMember.objects.filter(party=party).select_related("user"))


def similar_for_merge(*, actor: User, voice: Voice, k: int = 5) -> list[Voice]:
    """Open voices like this one in its place subtree that the actor also handles: merge or group candidates."""
    from gongzhi.voices.similarity import similar_open_voices

    found_ids = similar_open_voices(
        community_id=voice.community_id, place_path=voice.place_path, text=voice.text, k=k + 1
    )
    ids = [pk for pk in found_ids if pk != voice.pk][:k]
    if not ids:
        return []
    community = Place(pk=voice.community_id)
    found = {v.pk: v for v in _handled(actor, community).filter(pk__in=ids).select_related("category", "place")}
    return [found[pk] for pk in ids if pk in found]


def handled_voices_by_ids(*, actor: User, community: Place, ids: list[int]) -> list[Voice]:
    return list(_handled(actor, community).filter(pk__in=ids))


def persons_search(*, actor: User, community: Place, query: str) -> list[Any]:
    """Residents of the community whose name or room matches, for entering a voice on their behalf; the page masks
    their ID number and phone."""
    from gongzhi.people.models import Person

    query = query.strip()[:20]
    if not query:
        return []
    return list(
        Person.objects.visible_to(actor)
        .filter(community_id=community.pk)
        .filter(Q(name__contains=query) | Q(household__room=query))
        .select_related("household", "household__place")
        .order_by("place_path", "id")[:PERSON_SEARCH_LIMIT]
    )


def person_get(*, actor: User, community: Place, person_id: int) -> Any:
    from gongzhi.people.models import Person

    person = (
        Person.objects.visible_to(actor)
        .filter(pk=person_id, community_id=community.pk)
        .select_related("household", "household__place")
        .first()
    )
    if person is None:
        raise NotFound()
    return person


def meeting_for_entry(*, actor: User, community: Place, meeting_id: int) -> Any:
    from gongzhi.deliberation.models import Meeting

    meeting = (
        Meeting.objects.visible_to(actor)
        .filter(pk=meeting_id, community_id=community.pk)
        .select_related("place")
        .first()
    )
    if meeting is None:
        raise NotFound()
    return meeting


def meetings_with_suggestions(*, actor: User, community: Place, limit: int = 10) -> list[Any]:
    """Recent meetings the actor can see that recorded suggestions, with how many are already voices (one query):
    the way from the entry page to a meeting's suggestions."""
    from gongzhi.deliberation.models import Meeting

    return list(
        Meeting.objects.visible_to(actor)
        .filter(community_id=community.pk)
        .annotate(n_suggestions=Count("suggestions", distinct=True), n_filed=Count("suggestions__voice", distinct=True))
        .filter(n_suggestions__gt=0)
        .order_by("-starts_at", "-id")[:limit]
    )


def meeting_suggestions(*, meeting: Any) -> list[Any]:
    """The meeting's suggestions, each with `filed` — the voice it became, if any."""
    from gongzhi.deliberation.models import Suggestion

    rows = list(Suggestion.objects.filter(meeting=meeting).order_by("created_at", "id"))
    filed = dict(Voice.objects.filter(suggestion__in=rows).values_list("suggestion_id", "pk"))
    for row in rows:
        row.filed = filed.get(row.pk)
    return rows


def places_of(*, community: Place) -> list[tuple[int, str]]:
    """The community's places top down, indented by depth so a select reads as the tree."""
    rows = Place.objects.filter(path__under=community.path).order_by("path").values_list("pk", "name", "depth")
    return [(pk, "\u3000" * max(depth - community.depth, 0) + name) for pk, name, depth in rows]


def place_in(*, community: Place, place_id: int) -> Place:
    place: Place | None = Place.objects.filter(pk=place_id, path__under=community.path).first()
    if place is None:
        raise NotFound()
    return place
