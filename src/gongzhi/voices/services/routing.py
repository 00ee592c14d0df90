"""Routing a voice to its responsible party and setting its deadline in working days.

Skeleton: the routing table lookup and a calendar-day deadline; the routing part replaces the deadline with
working days (`rules.workdays`) and adds the table editor, reminders and escalation."""

from __future__ import annotations

from datetime import datetime, timedelta

from gongzhi.voices.models import Category, Party, Route, Voice

__all__ = ["route_for", "voice_due_at"]


def route_for(*, community_id: int, category_id: int, place_path: str) -> Party | None:
    """The most specific route: the deepest place containing the voice, a named category before "any"."""
    prefixes = []
    parts = [p for p in place_path.strip("/").split("/") if p]
    for i in range(1, len(parts) + 1):
        prefixes.append("/".join(parts[:i]) + "/")
    routes = list(
        Route.objects.filter(community_id=community_id, place_path__in=prefixes, party__is_active=True)
        .filter(category_id__in=[category_id])
        .select_related("party")
    ) + list(
        Route.objects.filter(
            community_id=community_id, place_path__in=prefixes, party__is_active=True, category__isnull=True
        ).select_related("party")
    )
    if not routes:
        return None
    best = max(routes, key=lambda r: (len(r.place_path), r.category_id is not None))
    party: Party = best.party
    return party


def voice_due_at(*, category: Category, start: datetime) -> datetime:
    return start + timedelta(days=category.deadline_days)


def voice_route_new(*, voice: Voice) -> Party | None:
    return route_for(community_id=voice.community_id, category_id=voice.category_id, place_path=voice.place_path)
