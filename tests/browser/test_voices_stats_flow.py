"""The statistics page in Debian chromium on a phone: the four ECharts charts draw, use the page's CJK font and
follow the viewport; the large-font mode keeps them. Run with `-m browser -p no:xdist`."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.core.roles import Role
from gongzhi.voices.models import Voice
from gongzhi.voices.services.intake import voice_submit
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.voices.conftest import make_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-volume", "chart-trend", "chart-satisfaction", "chart-overdue")


def _widths(page) -> dict[str, float]:
    return page.evaluate(
        "ids => Object.fromEntries(ids.map(id => [id, document.querySelector('#' + id + ' canvas').width]))",
        list(CHARTS),
    )


def test_charts_draw_on_a_phone_and_resize(page, site, staff):
    desk = make_desk(site, staff)
    s = desk.site
    now = datetime.datetime.now(datetime.UTC)
    for i, (code, place) in enumerate(
        [("parking", s.buildings[0]), ("parking", s.buildings[1]), ("refuse", s.compound), ("security", s.units[0])]
    ):
        voice = voice_submit(
            actor=desk.resident,
            community=s.community,
            place=place,
            category=desk.categories[code],
            text=f"第{i + 1}条",
            now=now - datetime.timedelta(days=40 - i),
        )
        if i < 3:
            Voice.objects.filter(pk=voice.pk).update(
                is_open=False,
                status="resolved",
                first_response_at=voice.created_at + datetime.timedelta(hours=i + 1),
                closed_at=voice.created_at + datetime.timedelta(days=i * 4),
                rating=5 - i,
            )
    log_in(page, staff[Role.SECRETARY].phone, PASSWORD)
    page.goto(f"/c/{s.community.pk}/voices/stats/?period=all")
    page.wait_for_selector("body[data-charts='4']")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
    assert page.text_content("#figure-total") == "4"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "WenQuanYi" in font or "Noto Sans CJK" in font
    narrow = _widths(page)
    dpr = page.evaluate("window.devicePixelRatio")
    assert all(0 < w <= 390 * dpr for w in narrow.values()), narrow
    screenshot(page, "voices-stats-phone")

    page.set_viewport_size({"width": 900, "height": 900})
    page.wait_for_function(
        "ids => ids.every(id => document.querySelector('#' + id + ' canvas').width > 500 * window.devicePixelRatio)",
        arg=list(CHARTS),
    )
    wide = _widths(page)
    assert all(wide[c] > narrow[c] for c in CHARTS)

    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#toggle-large-font")
    page.wait_for_selector("body.large-font[data-charts='4']")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
    screenshot(page, "voices-stats-phone-large-font")
