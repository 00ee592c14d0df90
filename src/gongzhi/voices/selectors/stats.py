"""Statistics of 社情民意 per responsible party, grid and category, and the period's 台账 rows.

Who sees what (VOICE_STATS): 书记/社工 the whole community; a 网格员 their grid; street staff the figures of the
communities of their street, aggregates only, never a voice's row. The arithmetic is `gongzhi.rules.voice_stats`,
over one `values_list` of the scope, so medians are exact and identical on SQLite and PostgreSQL. Results are
cached per community data version (and for at most FIGURES_TTL, as "open past its deadline" moves with the clock).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import data_version
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.rows import raw_values
from gongzhi.core.scoping import grants_allowing
from gongzhi.places.models import COMMUNITY_KINDS, Grid, Place
from gongzhi.places.selectors import FIGURES_TTL, street_get
from gongzhi.rules import voice_stats as rules
from gongzhi.voices.models import Category, Party, Voice

__all__ = [
    "GROUPINGS",
    "StatsScope",
    "period_bounds",
    "stats_scope",
    "street_stats_get",
    "street_voice_stats",
    "voice_ledger",
    "voice_stats",
]

GROUPINGS = ("party", "grid", "category")
ROW_FIELDS = (
    "category_id",
    "party_id",
    "grid_id",
    "is_open",
    "created_at",
    "first_response_at",
    "closed_at",
    "due_at",
    "rating",
    "reopen_count",
    "escalated_at",
    "escalation_level",
)


class StatsScope:
    """Where the actor's statistics reach in one community: `q` for the figures, `rows_q` for the 台账 rows
    (None: aggregates only, a street grant's reach never shows a voice)."""

    def __init__(self, q: Q, rows_q: Q | None, key: str) -> None:
        self.q, self.rows_q, self.key = q, rows_q, key

    @property
    def aggregates_only(self) -> bool:
        return self.rows_q is None


def _union(parts: list[Q]) -> Q:
    q = Q(pk__in=[])
    for part in parts:
        q |= part
    return q


def stats_scope(*, actor: User, community: Place) -> StatsScope:
    """The union of the actor's VOICE_STATS grants over this community. A street grant covers the whole
    community as aggregates; a community grant its place subtree; a grid grant its grid. None: 403."""
    keys: list[str] = []
    figures: list[Q] = []
    rows: list[Q] = []
    for grant in grants_allowing(actor, Action.VOICE_STATS):
        if grant.community_id is None:
            if grant.place_path and community.path.startswith(grant.place_path):
                keys.append("street")
                figures.append(Q(community_id=community.pk))
            continue
        if grant.community_id != community.pk:
            continue
        if grant.grid_path is not None:
            keys.append(f"grid{grant.grid_path}")
            rows.append(Q(grid_path__under=grant.grid_path))
        elif grant.place_path:
            keys.append(f"place{grant.place_path}")
            rows.append(Q(place_path__under=grant.place_path))
    if not keys:
        raise PermissionDenied(_("只有社区工作人员、网格员和街道工作人员可以查看社情民意统计"))
    key = hashlib.sha1("|".join(sorted(keys)).encode(), usedforsecurity=False).hexdigest()[:16]
    in_community = Q(community_id=community.pk)
    return StatsScope(in_community & _union(figures + rows), (in_community & _union(rows)) if rows else None, key)


def period_bounds(
    since: datetime.date | None, until: datetime.date | None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """Local days, both inclusive, as [start, end) instants."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time(), tz) if since else None
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), tz) if until else None
    return start, end


def _in_period(qs: QuerySet[Voice], since: datetime.date | None, until: datetime.date | None) -> QuerySet[Voice]:
    start, end = period_bounds(since, until)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    # A merged duplicate counts in the voice it was merged into (its support), not a second time.
    return qs.filter(merged_into__isnull=True)


def _dt(value: Any) -> datetime.datetime | None:
    """SQLite hands back its stored text (UTC), PostgreSQL an aware datetime; both become the same instant."""
    if value is None or (isinstance(value, datetime.datetime) and value.tzinfo is not None):
        return value
    parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=datetime.UTC)


def _row(values: Any) -> rules.VoiceRow:
    c, p, g, is_open, created, responded, closed, due, rating, reopens, escalated_at, level = values
    # A reopening clears escalated_at for the new deadline; the level keeps that the voice was escalated before.
    return rules.VoiceRow(
        c,
        p,
        g,
        bool(is_open),
        _dt(created),  # type: ignore[arg-type]
        _dt(responded),
        _dt(closed),
        _dt(due),
        rating,
        reopens > 0,
        escalated_at is not None or level > 0,
    )


def _rows(qs: QuerySet[Voice]) -> Iterator[rules.VoiceRow]:
    for values in raw_values(qs, *ROW_FIELDS):
        yield _row(values)


def _plain(figures: rules.Figures, category_ids: list[int]) -> dict[str, Any]:
    data = asdict(figures)
    data["by_category"] = [figures.by_category.get(pk, 0) for pk in category_ids]
    data["rating_distribution"] = [figures.rating_distribution[r] for r in rules.RATINGS]
    return data


def voice_stats(
    *,
    actor: User,
    community: Place,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    by: str = "party",
) -> dict[str, Any]:
    """Every figure of the period for the actor's scope: totals, a row per party, grid and category (the `by`
    one first in "rows"), and the monthly trend. Plain values, cached; raises PermissionDenied without VOICE_STATS."""
    if by not in GROUPINGS:
        by = "party"
    scope = stats_scope(actor=actor, community=community)
    key = f"gongzhi:voicestats:{community.pk}:{scope.key}:{since}:{until}:{data_version(community.pk)}"
    result: dict[str, Any] | None = cache.get(key)
    if result is None:
        result = _compute(community, scope, since, until)
        cache.set(key, result, FIGURES_TTL)
    return {**result, "by": by, "rows": result["groups"][by], "aggregates_only": scope.aggregates_only}


def _compute(
    community: Place, scope: StatsScope, since: datetime.date | None, until: datetime.date | None
) -> dict[str, Any]:
    qs = _in_period(Voice.objects.filter(scope.q), since, until)
    now = timezone.now()
    total, groups, months = rules.summarize(_rows(qs), now=now, tz=timezone.get_current_timezone())
    categories = list(Category.objects.filter(community=community).values_list("pk", "name"))
    category_ids = [pk for pk, _name in categories]
    labels: dict[str, dict[Any, str]] = {
        "category": dict(categories),
        "party": {None: _("未分派"), **dict(Party.objects.filter(community=community).values_list("pk", "name"))},
        "grid": {None: _("未划网格"), **dict(Grid.objects.filter(community=community).values_list("pk", "name"))},
    }
    order = {"category": {pk: i for i, pk in enumerate(category_ids)}}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for grouping in GROUPINGS:
        rows = [
            {"key": k, "label": labels[grouping].get(k, "?"), **_plain(f, category_ids)}
            for k, f in groups[grouping].items()
        ]
        if grouping == "category":
            rows.sort(key=lambda r: order["category"].get(r["key"], len(category_ids)))
        else:  # the busiest first; "none" last
            rows.sort(key=lambda r: (r["key"] is None, -r["total"], r["label"]))
        grouped[grouping] = rows
    return {
        "since": since,
        "until": until,
        "categories": [{"id": pk, "name": name} for pk, name in categories],
        "total": _plain(total, category_ids),
        "groups": grouped,
        "months": [{"month": m, **v} for m, v in months.items()],
        "computed_at": now,
    }


def voice_ledger(
    *, actor: User, community: Place, since: datetime.date | None = None, until: datetime.date | None = None
) -> QuerySet[Voice]:
    """The period's voices in the actor's scope for the 台账 sheet, oldest first; never for street staff
    (aggregates only). Callers read only non-identifying columns."""
    scope = stats_scope(actor=actor, community=community)
    if scope.rows_q is None:
        return Voice.objects.none()
    return (
        _in_period(Voice.objects.filter(scope.rows_q), since, until)
        .select_related("category", "party")
        .only(
            "pk",
            "community_id",
            "created_at",
            "category__name",
            "place_path",
            "channel",
            "party__name",
            "status",
            "is_open",
            "first_response_at",
            "closed_at",
            "due_at",
            "rating",
        )
        .order_by("created_at", "pk")
    )


def street_stats_get(*, actor: User, street_id: int) -> Place:
    """A street whose communities' voice statistics the actor may read (a street-level VOICE_STATS grant)."""
    street = street_get(actor=actor, street_id=street_id)
    if not any(g.community_id is None and g.place_id == street.pk for g in grants_allowing(actor, Action.VOICE_STATS)):
        raise NotFound()
    return street


def street_voice_stats(
    *, actor: User, street: Place, since: datetime.date | None = None, until: datetime.date | None = None
) -> list[dict[str, Any]]:
    """One row of totals per community of the street, from one pass over the street's voices; figures only."""
    street_stats_get(actor=actor, street_id=street.pk)
    communities = list(Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS).order_by("sort_key", "name"))
    versions = ":".join(str(data_version(c.pk)) for c in communities)
    digest = hashlib.sha1(versions.encode(), usedforsecurity=False).hexdigest()[:16]
    key = f"gongzhi:voicestats:street:{street.pk}:{since}:{until}:{digest}"
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is not None:
        return rows
    by_community: dict[int, list[rules.VoiceRow]] = {c.pk: [] for c in communities}
    qs = _in_period(Voice.objects.filter(community_id__in=list(by_community)), since, until)
    now, tz = timezone.now(), timezone.get_current_timezone()
    for community_id, *values in raw_values(qs, "community_id", *ROW_FIELDS):
        by_community[community_id].append(_row(values))
    rows = []
    for community in communities:
        total = rules.summarize(by_community[community.pk], now=now, tz=tz)[0]
        rows.append({"community": community, **_plain(total, [])})
    cache.set(key, rows, FIGURES_TTL)
    return rows
