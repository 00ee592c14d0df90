"""Time bank JSON API: the statistics at GET /api/timebank/stats?community=<id> (mounted at /api/timebank/).

Staff of the community and street staff (TIMEBANK_STATS) get the figures; a user without a role in the community
gets 404 (as if it did not exist), a lower role 403, an anonymous caller 401. Figures only, never a person.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gongzhi.core.api_schema import Id, errors
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.places import selectors as place_selectors
from gongzhi.timebank.errors import Code
from gongzhi.timebank.selectors import stats as selectors

router = Router(tags=["timebank"])


class CardsOut(Schema):
    party_org: int
    enterprise: int
    courtyard: int


class PointsOut(Schema):
    issued: int
    redeemed: int
    in_circulation: int


class MonthOut(Schema):
    month: str
    services: int
    hours: int


class GroupOut(Schema):
    label: str
    services: int
    hours: int


class StatsOut(Schema):
    community: int
    since: datetime.date | None
    until: datetime.date | None
    volunteers: int
    party_member_volunteers: int
    people_served: int
    hours: int
    services: int
    self_organizations: int
    teams: int
    cards: CardsOut
    points: PointsOut
    months: list[MonthOut]
    by_service_type: list[GroupOut]
    by_grid: list[GroupOut]
    by_team: list[GroupOut]


@router.get("/stats", response={200: StatsOut, **errors(403, 404)}, summary="Time bank statistics of a community")
def stats(
    request: HttpRequest, community: Id, since: datetime.date | None = None, until: datetime.date | None = None
) -> StatsOut:
    """Volunteers, Party-member volunteers, people served, hours, self-organizations, teams, cards by type and
    points, with the monthly trend and breakdowns; optionally for a period of local days (both inclusive)."""
    place = place_selectors.community_get(actor=actor_of(request), community_id=community)
    if since is not None and until is not None and since > until:
        raise ValidationFailed(_("开始日期不能晚于结束日期"), code=Code.PERIOD_REVERSED)
    data = selectors.timebank_stats(actor=actor_of(request), community=place, period=(since, until))
    return StatsOut(
        community=place.pk,
        **{k: v for k, v in data.items() if k in StatsOut.model_fields and k != "community"},
    )
