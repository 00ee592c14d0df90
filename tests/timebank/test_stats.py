"""Time bank statistics: each figure computed independently from the rows of a small built dataset, the page, the
台账, the JSON API and the public page (aggregates only, anonymous too), permissions and constant query counts."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.people.models import PersonTag
from gongzhi.people.services import person_set_tags
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.ledger import Account, AccountKind, Entry
from gongzhi.timebank.models.volunteers import Team, TeamKind, Volunteer, VolunteerStatus
from gongzhi.timebank.selectors.stats import PUBLIC_KEYS, STATS_KEYS, public_timebank_figures, timebank_stats
from gongzhi.timebank.services.accounts import account_open
from gongzhi.timebank.services.ledger import points_issue
from gongzhi.timebank.services.volunteers import team_save, volunteer_register, volunteer_status_set
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import key
from tests.timebank.test_records import make_record

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def build(site: factories.Community, staff: dict[str, Any], scale: int = 1) -> None:
    """Volunteers (some Party members, one who left), teams, cards, approved and other records with recipients
    (some served twice), points issued. `scale` > 1 adds more of everything on top of a first build."""
    secretary = staff[Role.SECRETARY]
    people = site.people
    first = scale == 1
    for i, person in enumerate(people[:6] if first else people[6:12]):
        v = volunteer_register(actor=secretary, community=site.community, person=person)
        if i % 2 == 0:
            person_set_tags(actor=secretary, person=person, tags=[factories.builtin_tag("party")])
        if i == 5:
            volunteer_status_set(actor=secretary, volunteer=v, status=VolunteerStatus.LEFT)
    if first:
        for name, kind, active in (("夕阳红", TeamKind.SELF_ORG, True), ("巧手", TeamKind.SELF_ORG, False)):
            team_save(actor=secretary, community=site.community, name=name, kind=kind, is_active=active)
        team_save(actor=secretary, community=site.community, name="环境队", kind=TeamKind.TEAM)
        for card_kind, card_name in CARDS:
            account_open(actor=secretary, community=site.community, kind=card_kind, name=card_name)
        account_open(actor=secretary, community=site.community, kind=AccountKind.INDIVIDUAL, person=people[12])
    team = Team.objects.get(community=site.community, name="环境队")
    for i in range(4 * scale):
        recipients = [people[3 + i % 4], people[7]]
        make_record(site, people[i % 3], minutes=50 + i, recipients=recipients, team=team if i % 2 else None)
    make_record(site, people[0], minutes=999, status=RecordStatus.PENDING, recipients=[people[10]])
    make_record(site, people[1], minutes=999, status=RecordStatus.REJECTED, recipients=[people[11]])
    acct = Account.objects.get(person=people[12])
    points_issue(actor=secretary, account=acct, amount=40, memo="服务", idempotency_key=key("s"))


CARDS = [(AccountKind.PARTY_ORG, "党组织卡"), (AccountKind.ENTERPRISE, "企业卡"), (AccountKind.COURTYARD, "院落卡")]


def expected(site: factories.Community) -> dict[str, Any]:
    """The figures recomputed from the rows in Python, independently of the selector's queries."""
    c = site.community
    party_people = set(
        PersonTag.objects.filter(tag__community=None, tag__key="party").values_list("person_id", flat=True)
    )
    vols = [v for v in Volunteer.objects.filter(community=c) if v.status == VolunteerStatus.ACTIVE]
    approved = [r for r in ServiceRecord.objects.filter(community=c) if r.status == RecordStatus.APPROVED]
    ids = {r.pk for r in approved}
    served = {x.person_id for x in ServiceRecipient.objects.filter(community=c) if x.record_id in ids}
    teams = [t for t in Team.objects.filter(community=c) if t.is_active]
    accounts = list(Account.objects.filter(community=c))
    entries = list(Entry.objects.filter(community=c).select_related("account"))
    return {
        "volunteers": len(vols),
        "party_member_volunteers": sum(1 for v in vols if v.person_id in party_people),
        "people_served": len(served),
        "hours": sum(r.minutes for r in approved) // 60,
        "self_organizations": sum(1 for t in teams if t.kind == TeamKind.SELF_ORG),
        "teams": sum(1 for t in teams if t.kind == TeamKind.TEAM),
        "cards": {
            k: sum(1 for a in accounts if a.kind == k and a.is_active) for k in ("party_org", "enterprise", "courtyard")
        },
        "points": {
            "issued": -sum(e.amount for e in entries if e.account.kind == AccountKind.ISSUANCE),
            "redeemed": sum(e.amount for e in entries if e.account.kind == AccountKind.REDEMPTION),
            "in_circulation": sum(
                a.balance for a in accounts if a.kind in ("individual", "party_org", "enterprise", "courtyard")
            ),
        },
    }


@pytest.fixture
def built(site, staff):
    build(site, staff)
    return site


def test_stats_keys_and_values(built, staff):
    data = timebank_stats(actor=staff[Role.SECRETARY], community=built.community)
    assert set(STATS_KEYS) <= set(data)
    want = expected(built)
    assert {k: data[k] for k in want} == want
    assert want["volunteers"] == 5 and want["party_member_volunteers"] == 3 and want["self_organizations"] == 1
    assert want["cards"] == {"party_org": 1, "enterprise": 1, "courtyard": 1} and want["points"]["issued"] == 40
    assert sum(m["services"] for m in data["months"]) == data["services"] == 4
    assert sum(r["services"] for r in data["by_team"]) == 4 and sum(r["services"] for r in data["by_grid"]) == 4


def test_team_and_grid_filters(built, staff):
    team = Team.objects.get(name="环境队")
    data = timebank_stats(actor=staff[Role.SECRETARY], community=built.community, team=team)
    records = ServiceRecord.objects.filter(team=team, status=RecordStatus.APPROVED)
    assert data["services"] == records.count() == 2
    assert data["hours"] == sum(r.minutes for r in records) // 60
    grid = built.micro_grid
    by_grid = timebank_stats(actor=staff[Role.SECRETARY], community=built.community, grid=grid)
    in_grid = [
        r for r in ServiceRecord.objects.filter(status=RecordStatus.APPROVED) if r.grid_path.startswith(grid.path)
    ]
    assert by_grid["services"] == len(in_grid)


def test_a_grid_worker_sees_their_grid_only(built, staff):
    data = timebank_stats(actor=staff[Role.GRID_WORKER], community=built.community)
    grid = built.micro_grid.path
    in_grid = [r for r in ServiceRecord.objects.filter(status=RecordStatus.APPROVED) if r.grid_path.startswith(grid)]
    assert data["services"] == len(in_grid)


def test_stats_permissions(built, staff, other_staff):
    with pytest.raises(PermissionDenied):
        timebank_stats(actor=staff[Role.RESIDENT], community=built.community)
    url = reverse("timebank:stats", args=[built.community.pk])
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(staff[Role.RESIDENT]).get(url).status_code == 403
    assert login(staff[Role.BUILDING_HEAD]).get(url).status_code == 403
    assert login(staff[Role.STREET_STAFF]).get(url).status_code == 200
    export = reverse("timebank:stats_export", args=[built.community.pk])
    assert login(other_staff[Role.SECRETARY]).get(export).status_code == 404
    assert login(staff[Role.RESIDENT]).get(export).status_code == 403


def test_stats_page_shows_the_figures_with_stable_ids(built, staff):
    page = login(staff[Role.SECRETARY]).get(reverse("timebank:stats", args=[built.community.pk]))
    text = page.content.decode()
    want = expected(built)
    assert page.status_code == 200
    assert f'id="stat-volunteers">{want["volunteers"]}<' in text
    assert f'id="stat-party-member-volunteers">{want["party_member_volunteers"]}<' in text
    assert f'id="stat-people-served">{want["people_served"]}<' in text
    assert f'id="stat-hours">{want["hours"]}<' in text
    assert f'id="stat-self-organizations">{want["self_organizations"]}<' in text
    for k in ("party-org", "enterprise", "courtyard"):
        assert f'id="stat-cards-{k}">1<' in text
    assert "vendor/echarts/echarts.common.min.js" in text and 'id="timebank-stats"' in text
    bad = login(staff[Role.SECRETARY]).get(
        reverse("timebank:stats", args=[built.community.pk]), {"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in bad.content.decode()


def test_the_ledger_export_has_no_identity_and_is_audited(built, staff):
    response = login(staff[Role.SECRETARY]).get(reverse("timebank:stats_export", args=[built.community.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    for person in built.people:
        assert person.name not in cells and person.phone not in cells and person.id_number not in cells
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["注册志愿者（在册）"] == expected(built)["volunteers"]
    assert AuditEvent.objects.filter(verb="timebank.stats_export").count() == 1


def test_json_api(built, staff, other_staff):
    url = "/api/timebank/stats"
    body = login(staff[Role.SOCIAL_WORKER]).get(url, {"community": built.community.pk}).json()
    want = expected(built)
    assert {k: body[k] for k in want} == want
    assert set(body["cards"]) == {"party_org", "enterprise", "courtyard"}
    assert login(staff[Role.STREET_STAFF]).get(url, {"community": built.community.pk}).status_code == 200
    assert login(other_staff[Role.SECRETARY]).get(url, {"community": built.community.pk}).status_code == 404
    denied = login(staff[Role.RESIDENT]).get(url, {"community": built.community.pk})
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert Client().get(url, {"community": built.community.pk}).status_code == 401


def test_public_page_shows_aggregates_only(built):
    page = Client().get(reverse("places:public", args=[built.community.pk]))
    text = page.content.decode()
    want = expected(built)
    assert page.status_code == 200 and 'id="public-timebank"' in text
    assert f'id="pub-stat-volunteers">{want["volunteers"]}<' in text
    assert f'id="pub-stat-people-served">{want["people_served"]}<' in text
    assert f'id="pub-stat-hours">{want["hours"]}<' in text
    assert 'id="pub-stat-cards-courtyard">1<' in text
    for person in built.people:
        assert person.name not in text and person.phone not in text
    figures = public_timebank_figures(community=built.community)
    assert set(figures) == set(PUBLIC_KEYS)


def test_street_overview(built, staff, other_staff):
    url = reverse("timebank:street_stats", args=[built.street.pk])
    page = login(staff[Role.STREET_STAFF]).get(url)
    assert page.status_code == 200 and built.community.name in page.content.decode()
    assert login(staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(other_staff[Role.STREET_STAFF]).get(url).status_code == 404


def _count(client: Client, url: str, **params: Any) -> int:
    from django.core.cache import cache

    cache.clear()
    with queries() as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


def test_query_counts_are_constant_at_two_sizes(site, staff):
    build(site, staff)
    client = login(staff[Role.SECRETARY])
    urls = [
        reverse("timebank:stats", args=[site.community.pk]),
        f"/api/timebank/stats?community={site.community.pk}",
    ]
    small = [_count(client, u) for u in urls]
    anon_small = _count(Client(), reverse("places:public", args=[site.community.pk]))
    build(site, staff, scale=5)
    assert ServiceRecord.objects.count() > 20
    assert [_count(client, u) for u in urls] == small
    assert _count(Client(), reverse("places:public", args=[site.community.pk])) == anon_small


def test_a_period_counts_its_services_and_volunteers_registered_by_its_end(built, staff):
    march = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    data = timebank_stats(actor=staff[Role.SECRETARY], community=built.community, period=march)
    rows = [
        r for r in ServiceRecord.objects.filter(status=RecordStatus.APPROVED) if march[0] <= r.service_date <= march[1]
    ]
    assert data["services"] == len(rows) and data["hours"] == sum(r.minutes for r in rows) // 60
    before = timebank_stats(
        actor=staff[Role.SECRETARY], community=built.community, period=(None, datetime.date(2000, 1, 1))
    )
    assert before["volunteers"] == 0 and before["services"] == 0 and before["people_served"] == 0


def test_street_overview_query_count_is_constant(site, staff):
    client = login(staff[Role.STREET_STAFF])
    url = reverse("timebank:street_stats", args=[site.street.pk])
    build(site, staff)
    small = _count(client, url)
    factories.make_community(street=site.street, name="第二社区")
    build(site, staff, scale=5)
    assert _count(client, url) == small
