"""Reads of single voices and the residents' lists: a voice, my voices, the public list and a voice's timeline.
Each owns its joins, so a list page costs the same queries for 1 voice as for 25."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.scoping import grants_for
from gongzhi.places.models import Place, PlaceKind
from gongzhi.voices.models import Category, CustomStatus, Voice, VoiceEvent, VoiceFollower, VoicePhoto

__all__ = [
    "active_categories",
    "custom_status_names",
    "home_building_id",
    "is_following",
    "my_voices",
    "own_voice_ids",
    "public_voice_get",
    "public_voices",
    "report_place_choices",
    "report_place_get",
    "similar_voices",
    "voice_get",
    "voice_photo_get",
    "voice_photos",
    "voice_timeline",
]


def voice_get(*, actor: User, voice_id: int, community: Place | None = None) -> Voice:
    """A voice the actor may see (their own, followed, public in their community, or in their scope), else 404."""
    qs = Voice.objects.visible_to(actor).select_related("category", "place", "party", "merged_into")
    if community is not None:
        qs = qs.filter(community_id=community.pk)
    voice: Voice | None = qs.filter(pk=voice_id).first()
    if voice is None:
        raise NotFound()
    return voice


def public_voice_get(*, community: Place, voice_id: int) -> Voice:
    """A public voice for anyone, signed in or not; 404 for any other."""
    voice: Voice | None = (
        Voice.objects.public()
        .filter(community_id=community.pk, pk=voice_id)
        .select_related("category", "place", "party")
        .first()
    )
    if voice is None:
        raise NotFound()
    return voice


def own_voice_ids(*, actor: User, community: Place) -> QuerySet[Any]:
    """The ids of the voices the actor reported or follows in the community, as one UNION subquery: each half
    reads its own index, where `reporter_id = … OR pk IN (…)` makes the database walk all the community's voices
    (150 ms at 100,000). These are always within `visible_to(actor)`, which includes one's own and followed."""
    reported = Voice.objects.filter(reporter_id=actor.pk, community_id=community.pk).order_by().values("pk")
    followed = VoiceFollower.objects.filter(user_id=actor.pk, community_id=community.pk).order_by().values("voice_id")
    ids: QuerySet[Any] = reported.union(followed)
    return ids


def my_voices(*, actor: User, community: Place) -> QuerySet[Voice]:
    """The voices the actor reported or follows ("me too", or merged from theirs) in the community, newest first."""
    return (
        # Only the ids: a `community_id = …` beside them would have the database walk the community's index.
        Voice.objects.filter(pk__in=own_voice_ids(actor=actor, community=community))
        .select_related("category", "place", "party", "merged_into")
        .order_by("-created_at", "-id")
    )


def _public_events() -> Prefetch[Any]:
    return Prefetch(
        "events",
        queryset=VoiceEvent.objects.filter(is_public=True).select_related("party").order_by("created_at", "id"),
        to_attr="public_events",
    )


def public_voices(*, community: Place) -> QuerySet[Voice]:
    """The public, unmerged voices of the community with their public replies (`voice.public_events`), newest
    first. No identity: templates get the voice, its category, place and party, never the reporter."""
    return (
        Voice.objects.public()
        .filter(community_id=community.pk)
        .select_related("category", "place", "party")
        .prefetch_related(_public_events())
        .order_by("-created_at", "-id")
    )


def voice_timeline(*, voice: Voice, staff: bool) -> list[VoiceEvent]:
    """The voice's timeline, oldest first: public events only, unless the viewer handles the voice."""
    qs = VoiceEvent.objects.filter(voice_id=voice.pk).select_related("party")
    if not staff:
        qs = qs.filter(is_public=True)
    return list(qs.order_by("created_at", "id"))


def voice_photos(*, voice: Voice) -> list[VoicePhoto]:
    return list(VoicePhoto.objects.filter(voice_id=voice.pk).order_by("id"))


def voice_photo_get(*, voice: Voice, photo_id: int) -> VoicePhoto:
    """A photo of a voice the caller has already fetched through voice_get or public_voice_get."""
    photo: VoicePhoto | None = VoicePhoto.objects.filter(voice_id=voice.pk, pk=photo_id).first()
    if photo is None:
        raise NotFound()
    return photo


def active_categories(*, community: Place) -> list[Category]:
    return list(Category.objects.filter(community_id=community.pk, is_active=True).order_by("sort_order", "id"))


def similar_voices(*, actor: User, community: Place, place: Place, text: str, k: int = 5) -> list[Voice]:
    """Up to k open voices like the text under the place, best first, among those the actor may see: a
    neighbour's private voice is never shown to another resident, only public ones and the actor's own."""
    from gongzhi.voices.similarity import similar_open_voices

    ids = similar_open_voices(community_id=community.pk, place_path=place.path, text=text, k=k * 3)
    if not ids:
        return []
    visible = {
        v.pk: v
        for v in Voice.objects.visible_to(actor)
        .filter(pk__in=ids, is_open=True, merged_into__isnull=True)
        .select_related("category", "place")
    }
    return [visible[i] for i in ids if i in visible][:k]


def custom_status_names(*, community: Place) -> dict[str, str]:
    """The community's own statuses by code, for naming a voice's status beside the built-in ones."""
    return dict(CustomStatus.objects.filter(community_id=community.pk).values_list("code", "name"))


def is_following(*, actor: User, voice: Voice) -> bool:
    return bool(VoiceFollower.objects.filter(voice_id=voice.pk, user_id=actor.pk).exists())


def report_place_choices(*, community: Place) -> list[tuple[int, str]]:
    """Every place of the community a voice may be about, top down (a path sorts a node before its subtree),
    indented by depth so that a plain select reads as the tree."""
    rows = Place.objects.filter(path__under=community.path).order_by("path").values_list("pk", "name", "depth")
    return [(pk, "\u3000" * max(depth - community.depth, 0) + name) for pk, name, depth in rows]


def report_place_get(*, community: Place, place_id: int) -> Place | None:
    place: Place | None = Place.objects.filter(pk=place_id, path__under=community.path).first()
    return place


def home_building_id(*, actor: User, community: Place) -> int | None:
    """The building of the actor's own household in the community (or the place the household sits in when it
    has no units): the report form's default place."""
    for grant in grants_for(actor):
        if grant.household_id and grant.household_path and grant.household_path.startswith(community.path):
            row = Place.objects.filter(path=grant.household_path).values_list("pk", "kind", "parent_id").first()
            if row is None:
                continue
            pk, kind, parent_id = row
            return int(parent_id) if kind == PlaceKind.UNIT and parent_id is not None else int(pk)
    return None
