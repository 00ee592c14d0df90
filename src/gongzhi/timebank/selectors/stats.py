"""Statistics of the time bank (issue 6, article 001's figures): volunteers and Party-member volunteers, people
served, hours, self-organizations and teams, collective cards by type, points issued / redeemed / in circulation,
and the monthly trend and breakdowns by service type, grid and team for the charts.

Who sees what (`TIMEBANK_STATS`): 书记/社工 and street staff the whole community, a 网格员 their grid's volunteers
and services; figures only, never a row. Each figure is one aggregate query, so the count of queries is the same
for 10 or 400,000 records; the result is cached per community data version (core.audit bumps it on commit).
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from gongzhi.core.audit import data_version
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.rows import raw_values
from gongzhi.core.scoping import grants_allowing
from gongzhi.people.models import PersonTag
from gongzhi.places.models import COMMUNITY_KINDS, Grid, Place
from gongzhi.places.selectors import FIGURES_TTL, street_get
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, Account, AccountKind, Entry
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import Team, TeamKind, TeamMember, Volunteer, VolunteerStatus

__all__ = [
    "PUBLIC_KEYS",
    "STATS_KEYS",
    "StatsScope",
    "public_timebank_figures",
    "stats_scope",
    "stats_sees_every_grid",
    "street_stats_get",
    "street_timebank_stats",
    "team_choices",
    "timebank_stats",
]

Period = tuple[datetime.date | None, datetime.date | None]
STATS_KEYS = (
    "volunteers",
    "party_member_volunteers",
    "people_served",
    "hours",
    "self_organizations",
    "teams",
    "cards",
    "points",
)
PUBLIC_KEYS = ("volunteers", "party_member_volunteers", "people_served", "hours", "self_organizations", "cards")
CARD_KINDS = {
    AccountKind.PARTY_ORG: "party_org",
    AccountKind.ENTERPRISE: "enterprise",
    AccountKind.COURTYARD: "courtyard",
}


class StatsScope:
    """How far the actor's statistics reach in one community: `grid_paths` None for the whole community, else the
    grids (a 网格员's) whose volunteers and services count."""

    def __init__(self, grid_paths: list[str] | None) -> None:
        self.grid_paths = grid_paths

    @property
    def key(self) -> str:
        if self.grid_paths is None:
            return "all"
        return hashlib.sha1("|".join(sorted(self.grid_paths)).encode(), usedforsecurity=False).hexdigest()[:12]

    def q(self, field: str) -> Q:
        if self.grid_paths is None:
            return Q()
        q = Q(pk__in=[])
        for path in self.grid_paths:
            q |= Q(**{f"{field}__under": path})
        return q


def stats_scope(*, actor: User, community: Place) -> StatsScope:
    """The union of the actor's TIMEBANK_STATS grants over the community; none → 403 (404 outside it, which the
    caller's `community_get` already gives)."""
    grids: list[str] = []
    for grant in grants_allowing(actor, Action.TIMEBANK_STATS):
        if grant.community_id is None:
            if grant.place_path and community.path.startswith(grant.place_path):
                return StatsScope(None)
            continue
        if grant.community_id != community.pk:
            continue
        if grant.grid_path is not None:
            grids.append(grant.grid_path)
        elif grant.place_path:
            return StatsScope(None)
    if not grids:
        raise PermissionDenied(_("只有社区工作人员、网格员和街道工作人员可以查看时间银行统计"))
    return StatsScope(grids)


def stats_sees_every_grid(*, actor: User, community: Place) -> bool:
    """Whether the actor's statistics cover the whole community (so the page offers a row per grid)."""
    return stats_scope(actor=actor, community=community).grid_paths is None


def _bounds(period: Period | None) -> Period:
    return period if period is not None else (None, None)


def _dates(qs: Any, field: str, period: Period | None) -> Any:
    start, end = _bounds(period)
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


def _records(
    community_id: int,
    scope: StatsScope,
    period: Period | None,
    grid: Grid | None,
    team: Team | None,
    model: Any = ServiceRecord,
    prefix: str = "",
) -> Any:
    """Approved records in the scope and filters; with `model=ServiceRecipient, prefix="record__"` their recipients
    (a join on the record's primary key, which SQLite runs twice as fast as an IN over 400,000 ids)."""
    qs = model.objects.filter(community_id=community_id, **{f"{prefix}status": RecordStatus.APPROVED})
    qs = qs.filter(scope.q(f"{prefix}grid_path"))
    if grid is not None:
        qs = qs.filter(**{f"{prefix}grid_path__under": grid.path})
    if team is not None:
        qs = qs.filter(**{f"{prefix}team_id": team.pk})
    return _dates(qs, f"{prefix}service_date", period)


def _volunteer_figures(
    community_id: int, scope: StatsScope, period: Period | None, grid: Grid | None, team: Team | None
) -> dict[str, int]:
    """Active volunteers registered by the period's end, and those whose person carries the built-in party tag."""
    qs = Volunteer.objects.filter(community_id=community_id, status=VolunteerStatus.ACTIVE).filter(
        scope.q("person__grid_path")
    )
    if grid is not None:
        qs = qs.filter(person__grid_path__under=grid.path)
    if team is not None:
        qs = qs.filter(Exists(TeamMember.objects.filter(volunteer_id=OuterRef("pk"), team_id=team.pk)))
    end = _bounds(period)[1]
    if end is not None:
        qs = qs.filter(registered_on__lte=end)
    party = Exists(PersonTag.objects.filter(person_id=OuterRef("person_id"), tag__community=None, tag__key="party"))
    row = qs.aggregate(volunteers=Count("pk"), party=Count("pk", filter=Q(party)))
    return {"volunteers": int(row["volunteers"] or 0), "party_member_volunteers": int(row["party"] or 0)}


def _ledger_figures(community_id: int, period: Period | None) -> dict[str, Any]:
    """Cards by type and the points: issued (what left the issuance account, net of reversals), redeemed (what
    reached the redemption account) in the period, and in circulation now (individual and card balances)."""
    accounts = Account.objects.filter(community_id=community_id).aggregate(
        party_org=Count("pk", filter=Q(kind=AccountKind.PARTY_ORG, is_active=True)),
        enterprise=Count("pk", filter=Q(kind=AccountKind.ENTERPRISE, is_active=True)),
        courtyard=Count("pk", filter=Q(kind=AccountKind.COURTYARD, is_active=True)),
        circulation=Sum("balance", filter=Q(kind__in=[AccountKind.INDIVIDUAL, *COLLECTIVE_KINDS])),
    )
    start, end = _bounds(period)
    entries = Entry.objects.filter(
        community_id=community_id, account__kind__in=[AccountKind.ISSUANCE, AccountKind.REDEMPTION]
    )
    if start is not None:
        entries = entries.filter(created_at__date__gte=start)
    if end is not None:
        entries = entries.filter(created_at__date__lte=end)
    points = entries.aggregate(
        issued=Sum("amount", filter=Q(account__kind=AccountKind.ISSUANCE)),
        redeemed=Sum("amount", filter=Q(account__kind=AccountKind.REDEMPTION)),
    )
    return {
        "cards": {name: int(accounts[name] or 0) for name in CARD_KINDS.values()},
        "points": {
            "issued": -int(points["issued"] or 0),
            "redeemed": int(points["redeemed"] or 0),
            "in_circulation": int(accounts["circulation"] or 0),
        },
    }


def _teams(community_id: int) -> dict[str, int]:
    row = Team.objects.filter(community_id=community_id, is_active=True).aggregate(
        self_organizations=Count("pk", filter=Q(kind=TeamKind.SELF_ORG)),
        teams=Count("pk", filter=Q(kind=TeamKind.TEAM)),
    )
    return {"self_organizations": int(row["self_organizations"] or 0), "teams": int(row["teams"] or 0)}


def _hours(minutes: Any) -> int:
    return int(minutes or 0) // 60


def _month(day: Any) -> str:
    # SQLite hands back its stored text, PostgreSQL a date.
    return day[:7] if isinstance(day, str) else day.strftime("%Y-%m")


def _groups(totals: dict[Any, list[int]], labels: dict[Any, Any], missing: Any) -> list[dict[str, Any]]:
    rows = [
        {"label": labels.get(k, missing) if k else missing, "services": n, "hours": _hours(m)}
        for k, (n, m) in totals.items()
    ]
    rows.sort(key=lambda r: (-r["hours"], -r["services"], str(r["label"])))
    return rows


def _compute(
    community: Place, scope: StatsScope, period: Period | None, grid: Grid | None, team: Team | None
) -> dict[str, Any]:
    records = _records(community.pk, scope, period, grid, team)
    # One grouped pass over the records for the totals, the trend and every breakdown: the database sums, Python
    # folds the few thousand (day, type, grid, team) groups (five scans would cost five times as much).
    services = minutes = 0
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by: dict[str, dict[Any, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in ("type", "grid", "team")}
    keys = ("service_date", "service_type_id", "grid_path", "team_id")
    grouped = records.values(*keys).annotate(n=Count("pk"), m=Sum("minutes"))
    for day, type_id, grid_path, team_id, n, m in raw_values(grouped, *keys, "n", "m"):
        services += n
        minutes += m
        for bucket in (months[_month(day)], by["type"][type_id], by["grid"][grid_path], by["team"][team_id]):
            bucket[0] += n
            bucket[1] += m
    recipients = _records(community.pk, scope, period, grid, team, ServiceRecipient, "record__")
    served = recipients.values("person_id").distinct().order_by().count()
    type_names = dict(ServiceType.objects.filter(community=community).values_list("pk", "name"))
    grid_names = dict(Grid.objects.filter(community=community).values_list("path", "name"))
    team_names = dict(Team.objects.filter(community=community).values_list("pk", "name"))
    start, end = _bounds(period)
    return {
        **_volunteer_figures(community.pk, scope, period, grid, team),
        "people_served": served,
        "hours": _hours(minutes),
        "services": services,
        **_teams(community.pk),
        **_ledger_figures(community.pk, period),
        "months": [{"month": k, "services": n, "hours": _hours(m)} for k, (n, m) in sorted(months.items())],
        "by_service_type": _groups(by["type"], type_names, "?"),
        "by_grid": _groups(by["grid"], grid_names, _("未划网格")),
        "by_team": _groups(by["team"], team_names, _("未编队")),
        "since": start,
        "until": end,
    }


def timebank_stats(
    *,
    actor: User,
    community: Place,
    period: Period | None = None,
    grid: Grid | None = None,
    team: Team | None = None,
) -> dict[str, Any]:
    """Every figure for the actor's scope in the period (dates inclusive), optionally of one grid or team: the keys
    of STATS_KEYS plus "services", "months", "by_service_type", "by_grid", "by_team". Plain values, cached.
    Raises PermissionDenied without TIMEBANK_STATS, NotFound for a grid or team of another community."""
    scope = stats_scope(actor=actor, community=community)
    if grid is not None and grid.community_id != community.pk:
        raise NotFound()
    if team is not None and team.community_id != community.pk:
        raise NotFound()
    start, end = _bounds(period)
    key = (
        f"gongzhi:tbstats:{community.pk}:{scope.key}:{start}:{end}:{grid.pk if grid else ''}:"
        f"{team.pk if team else ''}:{data_version(community.pk)}"
    )
    result: dict[str, Any] | None = cache.get(key)
    if result is None:
        result = _compute(community, scope, period, grid, team)
        cache.set(key, result, FIGURES_TTL)
    return result


def public_timebank_figures(*, community: Place) -> dict[str, Any]:
    """The community-wide figures the public page shows (aggregates only, for anyone, anonymous included)."""
    key = f"gongzhi:tbstats:public:{community.pk}:{data_version(community.pk)}"
    result: dict[str, Any] | None = cache.get(key)
    if result is None:
        full = _compute(community, StatsScope(None), None, None, None)
        result = {k: full[k] for k in PUBLIC_KEYS}
        cache.set(key, result, FIGURES_TTL)
    return result


def street_stats_get(*, actor: User, street_id: int) -> Place:
    """A street whose time bank statistics the actor may read (a street-level TIMEBANK_STATS grant)."""
    street = street_get(actor=actor, street_id=street_id)
    grants = grants_allowing(actor, Action.TIMEBANK_STATS)
    if not any(g.community_id is None and g.place_id == street.pk for g in grants):
        raise NotFound()
    return street


def _by_community(qs: Any, **aggregates: Any) -> dict[int, dict[str, Any]]:
    return {row.pop("community_id"): row for row in qs.values("community_id").annotate(**aggregates).order_by()}


def street_timebank_stats(*, actor: User, street: Place, period: Period | None = None) -> list[dict[str, Any]]:
    """One row of figures per community of the street from grouped queries: the same queries for 3 or 300."""
    street_stats_get(actor=actor, street_id=street.pk)
    communities = list(Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS).order_by("sort_key", "name"))
    ids = [c.pk for c in communities]
    versions = ":".join(str(data_version(pk)) for pk in ids)
    digest = hashlib.sha1(versions.encode(), usedforsecurity=False).hexdigest()[:16]
    start, end = _bounds(period)
    key = f"gongzhi:tbstats:street:{street.pk}:{start}:{end}:{digest}"
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is not None:
        return rows
    volunteers = Volunteer.objects.filter(community_id__in=ids, status=VolunteerStatus.ACTIVE)
    if end is not None:
        volunteers = volunteers.filter(registered_on__lte=end)
    party = Exists(PersonTag.objects.filter(person_id=OuterRef("person_id"), tag__community=None, tag__key="party"))
    vol = _by_community(volunteers, volunteers=Count("pk"), party=Count("pk", filter=Q(party)))
    records = _dates(
        ServiceRecord.objects.filter(community_id__in=ids, status=RecordStatus.APPROVED), "service_date", period
    )
    rec = _by_community(records, services=Count("pk"), minutes=Sum("minutes"))
    recipients = _dates(
        ServiceRecipient.objects.filter(community_id__in=ids, record__status=RecordStatus.APPROVED),
        "record__service_date",
        period,
    )
    served = _by_community(recipients, served=Count("person_id", distinct=True))
    teams = _by_community(
        Team.objects.filter(community_id__in=ids, is_active=True, kind=TeamKind.SELF_ORG), n=Count("pk")
    )
    cards = _by_community(
        Account.objects.filter(community_id__in=ids, kind__in=COLLECTIVE_KINDS, is_active=True), n=Count("pk")
    )
    rows = []
    for c in communities:
        v, r = vol.get(c.pk, {}), rec.get(c.pk, {})
        rows.append(
            {
                "community": c,
                "volunteers": v.get("volunteers", 0),
                "party_member_volunteers": v.get("party", 0),
                "services": r.get("services", 0),
                "hours": _hours(r.get("minutes")),
                "people_served": served.get(c.pk, {}).get("served", 0),
                "self_organizations": teams.get(c.pk, {}).get("n", 0),
                "cards": cards.get(c.pk, {}).get("n", 0),
            }
        )
    cache.set(key, rows, FIGURES_TTL)
    return rows


def team_choices(*, community: Place) -> list[Team]:
    """The community's teams for the statistics filter (names only; a figure, not a roster)."""
    return list(Team.objects.filter(community=community).order_by("kind", "name").only("pk", "name", "kind"))
