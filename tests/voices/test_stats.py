"""社情民意 statistics on a known set of voices: medians, overdue rate, satisfaction, groupings, periods and scope.

Voices are filed through `voice_submit(now=...)`; the handling timestamps are set directly (the figures
read only the timestamps, whichever service wrote them)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.roles import Role
from gongzhi.voices.models import Voice
from gongzhi.voices.selectors import stats as selectors
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.residents import voice_rate, voice_reopen
from gongzhi.voices.services.workflow import voice_accept, voice_close, voice_reply

pytestmark = pytest.mark.date_sensitive

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday
NOW = T0 + datetime.timedelta(days=30)
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


def _file(desk, place, category, *, at, text="反映的问题"):
    return voice_submit(
        actor=desk.resident,
        community=desk.site.community,
        place=place,
        category=desk.categories[category],
        text=text,
        now=at,
    )


def _set(voice, **fields):
    Voice.objects.filter(pk=voice.pk).update(**fields)


def _closed(voice, *, responded, closed, due, rating=None, **more):
    _set(
        voice,
        first_response_at=T0 + responded,
        closed_at=T0 + closed,
        due_at=T0 + due,
        is_open=False,
        status="resolved",
        rating=rating,
        **more,
    )


@pytest.fixture
def known(desk):
    """Five voices of March 2026, one of 2025 and one merged duplicate; see each line for its figures."""
    s = desk.site
    v1 = _file(desk, s.buildings[0], "parking", at=T0)  # 物业, micro grid: closed in 10 h, in time, rated 5
    _closed(v1, responded=H, closed=10 * H, due=7 * D, rating=5)
    v2 = _file(desk, s.buildings[1], "parking", at=T0)  # 物业, grid: closed after 10 days, late, rated 2, reopened
    _closed(v2, responded=3 * H, closed=10 * D, due=7 * D, rating=2, reopen_count=1)
    v3 = _file(desk, s.compound, "refuse", at=T0)  # 居委会, micro grid: closed in 20 h, not rated
    _closed(v3, responded=2 * H, closed=20 * H, due=2 * D)
    v4 = _file(desk, s.units[0], "security", at=T0)  # 网格员, micro grid: open, past its deadline, escalated
    _set(v4, due_at=T0 + 3 * D, escalated_at=T0 + 4 * D, escalation_level=1, status="accepted")
    v5 = _file(desk, s.buildings[1], "lighting", at=T0 + 29 * D)  # 物业, grid: open, answered in 4 h, in time
    _set(v5, first_response_at=T0 + 29 * D + 4 * H, due_at=T0 + 33 * D)
    old = _file(desk, s.compound, "refuse", at=datetime.datetime(2025, 6, 1, 10, tzinfo=TZ))
    _closed(old, responded=H, closed=H, due=D)
    dup = _file(desk, s.compound, "refuse", at=T0 + D)
    _set(dup, merged_into=v3, is_open=False, status="merged")
    return {"v": [v1, v2, v3, v4, v5], "old": old, "dup": dup}


def _stats(desk, user=None, **kw):
    with time_machine.travel(NOW, tick=False):
        return selectors.voice_stats(actor=user or desk.staff[Role.SECRETARY], community=desk.site.community, **kw)


MARCH = {"since": datetime.date(2026, 3, 1), "until": datetime.date(2026, 3, 31)}


def test_totals_of_the_period(desk, known):
    t = _stats(desk, **MARCH)["total"]
    assert (t["total"], t["open"], t["closed"]) == (5, 2, 3)
    assert t["first_response_hours"] == Decimal("2.5")  # median of 1, 2, 3 and 4 h
    assert t["closure_hours"] == Decimal("20.0")  # median of 10 h, 20 h and 240 h
    assert (t["overdue"], t["with_deadline"], t["overdue_percent"]) == (2, 5, Decimal("40.0"))
    assert (t["rated"], t["rating_mean"], t["response_percent"]) == (2, Decimal("3.5"), Decimal("66.7"))
    assert t["rating_distribution"] == [0, 1, 0, 0, 1]
    assert (t["reopened"], t["escalated"]) == (1, 1)
    # parking, lighting, refuse, security in the categories' order
    assert t["by_category"] == [2, 1, 1, 1]


def test_by_party(desk, known):
    data = _stats(desk, by="party", **MARCH)
    rows = {r["label"]: r for r in data["rows"]}
    assert data["by"] == "party" and list(rows) == ["花园物业", "居委会", "第一网格网格员"]  # busiest first
    prop = rows["花园物业"]
    assert (prop["total"], prop["open"], prop["closed"], prop["by_category"]) == (3, 1, 2, [2, 1, 0, 0])
    assert prop["overdue_percent"] == Decimal("33.3") and prop["closure_hours"] == Decimal("125.0")
    assert prop["rating_mean"] == Decimal("3.5") and prop["response_percent"] == Decimal("100.0")
    assert (rows["居委会"]["overdue_percent"], rows["居委会"]["rating_mean"]) == (Decimal("0.0"), None)
    grid = rows["第一网格网格员"]
    assert (grid["total"], grid["overdue_percent"], grid["escalated"], grid["first_response_hours"]) == (
        1,
        Decimal("100.0"),
        1,
        None,
    )


def test_by_grid_and_by_category(desk, known):
    data = _stats(desk, by="grid", **MARCH)
    s = desk.site
    rows = {r["key"]: r for r in data["rows"]}
    assert rows[s.micro_grid.pk]["total"] == 3 and rows[s.micro_grid.pk]["label"] == s.micro_grid.name
    assert rows[s.grid.pk]["total"] == 2 and rows[s.grid.pk]["open"] == 1
    cats = _stats(desk, by="category", **MARCH)["rows"]
    assert [r["label"] for r in cats] == ["停车", "照明", "垃圾", "治安"]
    assert [r["total"] for r in cats] == [2, 1, 1, 1]


def test_monthly_trend_and_the_whole_history(desk, known):
    data = _stats(desk)
    assert data["total"]["total"] == 6  # the 2025 voice too; the merged duplicate never
    assert data["months"] == [
        {"month": "2025-06", "total": 1, "closed": 1, "overdue": 0},
        {"month": "2026-03", "total": 5, "closed": 3, "overdue": 2},
    ]


def test_an_unknown_grouping_falls_back_to_party(desk, known):
    assert _stats(desk, by="nonsense", **MARCH)["by"] == "party"


def test_grid_worker_sees_their_grid_only(desk, known):
    data = _stats(desk, desk.staff[Role.GRID_WORKER], **MARCH)
    assert data["total"]["total"] == 3 and not data["aggregates_only"]
    assert {r["label"] for r in data["rows"]} == {"花园物业", "居委会", "第一网格网格员"}
    ledger = selectors.voice_ledger(actor=desk.staff[Role.GRID_WORKER], community=desk.site.community, **MARCH)
    v = known["v"]
    assert {x.pk for x in ledger} == {v[0].pk, v[2].pk, v[3].pk}


def test_social_worker_sees_the_community(desk, known):
    assert _stats(desk, desk.staff[Role.SOCIAL_WORKER], **MARCH)["total"]["total"] == 5


def test_street_staff_get_figures_never_rows(desk, known):
    street_staff = desk.staff[Role.STREET_STAFF]
    data = _stats(desk, street_staff, **MARCH)
    assert data["total"]["total"] == 5 and data["aggregates_only"]
    assert list(selectors.voice_ledger(actor=street_staff, community=desk.site.community, **MARCH)) == []
    with time_machine.travel(NOW, tick=False):
        rows = selectors.street_voice_stats(actor=street_staff, street=desk.site.street, **MARCH)
    assert [(r["community"].pk, r["total"], r["overdue_percent"]) for r in rows] == [
        (desk.site.community.pk, 5, Decimal("40.0"))
    ]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.PROPERTY, Role.BUILDING_HEAD])
def test_lower_roles_may_not_read_statistics(desk, known, role):
    with pytest.raises(PermissionDenied) as exc:
        _stats(desk, desk.staff[role])
    assert "统计" in exc.value.message
    with pytest.raises(PermissionDenied):
        selectors.voice_ledger(actor=desk.staff[role], community=desk.site.community)


def test_another_communitys_staff_get_nothing(desk, known, other_desk):
    for role in (Role.SECRETARY, Role.GRID_WORKER, Role.STREET_STAFF):
        with pytest.raises(PermissionDenied):
            _stats(desk, other_desk.staff[role])
    with pytest.raises(NotFound):
        selectors.street_stats_get(actor=other_desk.staff[Role.STREET_STAFF], street_id=desk.site.street.pk)
    with pytest.raises(NotFound):
        selectors.street_stats_get(actor=desk.staff[Role.SECRETARY], street_id=desk.site.street.pk)


def test_other_communities_voices_never_count(desk, known, other_desk):
    o = other_desk.site
    _file(other_desk, o.compound, "refuse", at=T0)
    assert _stats(desk, **MARCH)["total"]["total"] == 5
    assert _stats(other_desk, **MARCH)["total"]["total"] == 1


def test_cached_until_the_community_data_changes(desk, known):
    first = _stats(desk, **MARCH)
    _file(desk, desk.site.compound, "refuse", at=T0 + 2 * D)
    assert _stats(desk, **MARCH)["total"]["total"] == first["total"]["total"] == 5  # same data version
    audit.bump_version(desk.site.community.pk)  # what every committed write does
    assert _stats(desk, **MARCH)["total"]["total"] == 6


def test_empty_period(desk, known):
    t = _stats(desk, since=datetime.date(2024, 1, 1), until=datetime.date(2024, 12, 31))["total"]
    assert t["total"] == 0 and t["closure_hours"] is None and t["overdue_percent"] is None


def test_figures_follow_the_workflow_services(desk):
    """Through the inbox's and the residents' services with a moving clock: accept, reply, close, rate, reopen,
    and the sweep's 督办 kept across the reopening."""
    s, staff = desk.site, desk.staff[Role.SECRETARY]
    a = _file(desk, s.compound, "refuse", at=T0)
    b = _file(desk, s.buildings[0], "parking", at=T0)
    with time_machine.travel(T0 + 2 * H, tick=False):
        voice_reply(actor=staff, voice=a, body="已联系环卫公司")
    with time_machine.travel(T0 + 30 * H, tick=False):
        voice_close(actor=staff, voice=a, body="已清运")
    with time_machine.travel(T0 + 1 * H, tick=False):
        voice_accept(actor=desk.staff[Role.PROPERTY], voice=b)
    with time_machine.travel(T0 + 10 * H, tick=False):
        voice_close(actor=desk.staff[Role.PROPERTY], voice=b, body="已挪车")
    voice_rate(actor=desk.resident, voice=Voice.objects.get(pk=a.pk), rating=4, now=T0 + 31 * H)
    voice_rate(actor=desk.resident, voice=Voice.objects.get(pk=b.pk), rating=1, now=T0 + 11 * H)
    Voice.objects.filter(pk=b.pk).update(escalation_level=1)  # 督办 before it was closed
    voice_reopen(actor=desk.resident, voice=Voice.objects.get(pk=b.pk), reason="车又停回来了", now=T0 + 12 * H)
    t = _stats(desk, **MARCH)["total"]
    assert (t["total"], t["open"], t["closed"]) == (2, 1, 1)
    assert t["first_response_hours"] == Decimal("1.5")  # 2 h and 1 h
    assert t["closure_hours"] == Decimal("30.0")  # the reopened voice is open again
    assert (t["rated"], t["rating_mean"], t["rating_distribution"]) == (2, Decimal("2.5"), [1, 0, 0, 1, 0])
    assert t["response_percent"] == Decimal("100.0")  # rated voices never exceed the closed ones
    assert (t["reopened"], t["escalated"]) == (1, 1)


def test_a_street_grant_never_widens_the_rows_of_a_grid_grant(desk, known):
    from gongzhi.core.services import role_assign
    from tests import factories

    both = factories.make_user(Role.STREET_STAFF, place=desk.site.street)
    role_assign(actor=None, user=both, role=Role.GRID_WORKER, grid=desk.site.micro_grid)
    data = _stats(desk, both, **MARCH)
    assert data["total"]["total"] == 5 and not data["aggregates_only"]  # figures: the whole community
    ledger = selectors.voice_ledger(actor=both, community=desk.site.community, **MARCH)
    v = known["v"]
    assert {x.pk for x in ledger} == {v[0].pk, v[2].pk, v[3].pk}  # rows: their grid only
