"""The statistics page, its .xlsx 台账 and the street overview: permission matrix, filters, query counts, the file."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.voices.models import Channel, Voice
from gongzhi.voices.services.intake import voice_submit
from tests.conftest import login
from tests.queries import queries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL = "?period=all"


def _file(desk, n=1, *, category="parking", place=None):
    s = desk.site
    made = []
    for i in range(n):
        made.append(
            voice_submit(
                actor=desk.resident,
                community=s.community,
                place=place or s.buildings[i % 2],
                category=desk.categories[category],
                text=f"第{i + 1}条反映",
            )
        )
    return made


def _hotline(desk):
    """A voice entered by staff for a caller who gave a name and a phone: neither may reach the 台账."""
    return voice_submit(
        actor=desk.staff[Role.SECRETARY],
        community=desk.site.community,
        place=desk.site.buildings[0],
        category=desk.categories["lighting"],
        text="楼道灯坏了",
        channel=Channel.HOTLINE,
        contact_name="王秀英",
        contact_phone="13912345678",
    )


def stats_url(desk, query=ALL):
    return reverse("voices:stats", args=[desk.site.community.pk]) + query


def export_url(desk, query=ALL):
    return reverse("voices:stats_export", args=[desk.site.community.pk]) + query


def street_url(desk, query=ALL):
    return reverse("voices:street_stats", args=[desk.site.street.pk]) + query


class TestPermissionMatrix:
    def test_anonymous_is_sent_to_log_in(self, desk):
        for url in (stats_url(desk), export_url(desk), street_url(desk)):
            response = Client().get(url)
            assert response.status_code == 302 and "/login" in response["Location"]

    def test_another_communitys_staff_get_404(self, desk, other_desk):
        for role in (Role.SECRETARY, Role.GRID_WORKER, Role.STREET_STAFF):
            client = login(other_desk.staff[role])
            assert client.get(stats_url(desk)).status_code == 404
            assert client.get(export_url(desk)).status_code == 404
            assert client.get(street_url(desk)).status_code == 404
        assert not AuditEvent.objects.filter(verb="voice.stats_export").exists()

    @pytest.mark.parametrize("role", [Role.RESIDENT, Role.PROPERTY, Role.BUILDING_HEAD])
    def test_lower_roles_get_403_with_a_chinese_message(self, desk, role):
        _file(desk)
        client = login(desk.staff[role])
        response = client.get(stats_url(desk))
        assert response.status_code == 403
        assert "只有社区工作人员、网格员和街道工作人员可以查看社情民意统计" in response.content.decode()
        assert client.get(export_url(desk)).status_code == 403
        assert not AuditEvent.objects.filter(verb="voice.stats_export").exists()

    @pytest.mark.parametrize("role", [Role.RESIDENT, Role.SECRETARY, Role.GRID_WORKER])
    def test_the_street_page_is_for_street_staff_only(self, desk, role):
        assert login(desk.staff[role]).get(street_url(desk)).status_code == 404

    @pytest.mark.parametrize("role", [Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.STREET_STAFF])
    def test_allowed_roles_see_the_page(self, desk, role):
        _file(desk, 2)
        response = login(desk.staff[role]).get(stats_url(desk))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="chart-volume"' in html and "vendor/echarts/echarts.common.min.js" in html
        assert "voices/stats.js" in html
        # Street staff see figures only and a note saying so.
        assert ('id="aggregates-note"' in html) == (role == Role.STREET_STAFF)

    def test_street_staff_see_each_community_of_their_street(self, desk):
        _file(desk, 3)
        response = login(desk.staff[Role.STREET_STAFF]).get(street_url(desk))
        assert response.status_code == 200
        html = response.content.decode()
        assert desk.site.community.name in html
        row = re.search(r'<tr class="stats-row">(.*?)</tr>', html, re.S)
        assert row and "<td>3</td>" in row.group(1)
        assert "第1条反映" not in html


def test_the_page_shows_every_figure_and_passes_chart_data_as_json(desk):
    _file(desk, 2)
    _file(desk, 1, category="refuse", place=desk.site.compound)
    response = login(desk.staff[Role.SECRETARY]).get(stats_url(desk, "?period=all&by=category"))
    html = response.content.decode()
    assert re.search(r'id="figure-total">3<', html)
    for label in ("首次响应中位数(小时)", "办结用时中位数(小时)", "超期率", "满意度均分", "回访率", "重新办理", "督办"):
        assert label in html
    data = json.loads(re.search(r'<script id="voice-stats" type="application/json">(.*?)</script>', html, re.S)[1])
    assert data["categories"] == ["停车", "照明", "垃圾", "治安"]
    assert data["volume"] == [2, 0, 1, 0]
    assert data["distribution"] == [0, 0, 0, 0, 0] and len(data["ratings"]) == 5
    assert sum(data["trend_total"]) == 3 and data["parties"]
    assert "第1条反映" not in html  # figures, not the voices' texts


def test_grouping_by_grid_lists_grids(desk):
    _file(desk, 2)
    html = login(desk.staff[Role.SECRETARY]).get(stats_url(desk, "?period=all&by=grid")).content.decode()
    assert desk.site.micro_grid.name in html and desk.site.grid.name in html


class TestBadFilters:
    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("?period=custom", "自定义时间请填写开始和结束日期"),
            ("?period=custom&since=2026-05-01&until=2026-04-01", "开始日期不能晚于结束日期"),
            ("?period=custom&since=2000-01-01&until=2026-04-01", "自定义时间最长十年"),
        ],
    )
    def test_period_errors_are_explained_and_nothing_is_exported(self, desk, query, message):
        client = login(desk.staff[Role.SECRETARY])
        for url in (stats_url(desk, query), export_url(desk, query)):
            response = client.get(url)
            assert response.status_code == 400
            assert message in response.content.decode()
            assert response["Content-Type"].startswith("text/html")
        assert not AuditEvent.objects.filter(verb="voice.stats_export").exists()

    @pytest.mark.parametrize("query", ["?period=custom&since=2026-13-45&until=2026-04-01", "?period=weekly", "?by=x"])
    def test_malformed_values(self, desk, query):
        response = login(desk.staff[Role.SECRETARY]).get(stats_url(desk, query))
        assert response.status_code == 400 and 'class="error-box"' in response.content.decode()

    def test_a_custom_period_counts_only_its_days(self, desk):
        (voice,) = _file(desk)
        Voice.objects.filter(pk=voice.pk).update(created_at=datetime.datetime(2025, 5, 5, 12, tzinfo=datetime.UTC))
        _file(desk, 2)
        client = login(desk.staff[Role.SECRETARY])
        html = client.get(stats_url(desk, "?period=custom&since=2025-05-01&until=2025-05-31")).content.decode()
        assert re.search(r'id="figure-total">1<', html)


def _workbook(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment;" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content), read_only=True)


def _all_text(book) -> str:
    return "\n".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell
    )


def test_the_export_opens_with_its_sheets_and_chinese_headers_and_no_identity(desk):
    desk.resident.display_name = "李建华"
    desk.resident.save(update_fields=["display_name"])
    _file(desk, 2)
    hotline = _hotline(desk)
    response = login(desk.staff[Role.SECRETARY]).get(export_url(desk))
    book = _workbook(response)
    assert book.sheetnames == ["汇总", "按责任方", "按网格", "按类别", "月度趋势", "台账"]
    ledger = list(book["台账"].iter_rows(values_only=True))
    assert list(ledger[0]) == [
        "编号",
        "反映日期",
        "类别",
        "地点",
        "来源",
        "责任方",
        "状态",
        "首次响应",
        "办结时间",
        "是否超期",
        "满意度",
    ]
    assert len(ledger) == 4
    row = next(r for r in ledger[1:] if r[0] == hotline.pk)
    assert (row[2], row[4], row[5], row[6]) == ("照明", "热线电话", "花园物业", "待受理")
    assert row[3] == "花园小区 1栋"
    by_party = list(book["按责任方"].iter_rows(values_only=True))
    assert by_party[0][:4] == ("责任方", "反映总数", "未办结", "已办结")
    assert by_party[0][-4:] == ("停车", "照明", "垃圾", "治安")
    assert by_party[1][:2] == ("花园物业", 3)
    text = _all_text(book)
    assert "13912345678" not in text and "王秀英" not in text
    assert not re.search(r"1[3-9]\d{9}", text)  # no phone number at all
    assert "李建华" not in text and desk.resident.phone not in text
    event = AuditEvent.objects.get(verb="voice.stats_export")
    assert event.actor_id == desk.staff[Role.SECRETARY].pk and event.community_id == desk.site.community.pk
    assert event.after["rows"] == 3


def test_a_grid_workers_export_holds_their_grid(desk):
    _file(desk, 4)  # buildings 1 and 2 alternately: two in the micro grid
    book = _workbook(login(desk.staff[Role.GRID_WORKER]).get(export_url(desk)))
    assert len(list(book["台账"].iter_rows(values_only=True))) == 3


def test_street_staff_export_figures_without_a_ledger(desk):
    _file(desk, 2)
    book = _workbook(login(desk.staff[Role.STREET_STAFF]).get(export_url(desk)))
    assert "台账" not in book.sheetnames
    assert list(book["汇总"].iter_rows(values_only=True))[1][1] == 2
    assert AuditEvent.objects.get(verb="voice.stats_export").after["aggregates_only"] is True


def test_a_formula_in_a_category_name_stays_text(desk):
    desk.categories["parking"].name = "=HYPERLINK(1)"
    desk.categories["parking"].save()
    _file(desk)
    response = login(desk.staff[Role.SECRETARY]).get(export_url(desk))
    book = load_workbook(io.BytesIO(response.content))
    values = [c.value for row in book["台账"].iter_rows(min_row=2) for c in row]
    cells = [c for row in book["台账"].iter_rows(min_row=2) for c in row if c.value == "=HYPERLINK(1)"]
    assert "=HYPERLINK(1)" in values and all(c.data_type == "s" for c in cells)


def _queries(client, url) -> int:
    cache.clear()  # the uncached cost is the one that must not grow with the rows
    with queries() as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.GRID_WORKER, Role.STREET_STAFF])
def test_query_counts_are_the_same_at_1_and_at_25_voices(desk, role):
    _file(desk, 1)
    client = login(desk.staff[role])
    urls = [stats_url(desk), stats_url(desk, "?period=all&by=grid"), export_url(desk)]
    if role == Role.STREET_STAFF:
        urls.append(street_url(desk))
    for url in urls:
        _queries(client, url)  # warm process-wide caches (content types, templates)
    measured = {url: _queries(client, url) for url in urls}
    _file(desk, 24)
    _file(desk, 3, category="refuse", place=desk.site.compound)
    for url in urls:
        cache.clear()
        with queries(measured[url]):
            assert client.get(url).status_code == 200


def test_a_second_view_is_served_from_the_cache(desk):
    _file(desk, 3)
    client = login(desk.staff[Role.SECRETARY])
    first = _queries(client, stats_url(desk))
    with queries() as ctx:
        client.get(stats_url(desk))
    # The voices, categories, parties and grids are not read again.
    assert len(ctx.captured_queries) <= first - 4
    assert not any('"voices_voice"' in q["sql"] for q in ctx.captured_queries)
