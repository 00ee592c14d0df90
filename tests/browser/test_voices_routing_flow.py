"""On a phone: the 书记 routes refuse in 1栋 to the 物业 and checks it with the preview; the next voice goes
there; when it is overdue the sweep escalates it (督办): the 书记's header shows the unread message, the inbox lists
it unread first, and marking it read (htmx) updates the row and the badge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gongzhi.core.roles import Role
from gongzhi.voices.models import EventKind, VoiceEvent
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.sweep import voices_sweep
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.voices.conftest import make_desk

pytestmark = pytest.mark.browser


@pytest.fixture
def garden(transactional_db):
    site = factories.make_community(name="花园颐院社区")
    return make_desk(site, factories.staff_of(site))


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_route_then_escalate_then_read_the_message(page, live_server, garden):
    desk = garden
    s, c = desk.site, desk.site.community.pk
    secretary = desk.staff[Role.SECRETARY]
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_load_state()

    page.goto(f"/c/{c}/voices/routes/")
    page.select_option("#route-place", str(s.buildings[0].pk))
    page.select_option("#route-category", str(desk.categories["refuse"].pk))
    page.select_option("#route-party", str(desk.property.pk))
    page.click("#route-set-submit")
    page.wait_for_selector("text=分派规则已保存")
    page.select_option("#try-place", str(s.units[0].pk))
    page.select_option("#try-category", str(desk.categories["refuse"].pk))
    page.click("#route-try-submit")
    assert "花园物业" in page.locator("#route-preview").inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "voices-routing-table")

    voice = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.units[0],
        category=desk.categories["refuse"],
        text="1单元门口垃圾桶满了没人清",
        is_public=True,
    )
    assert voice.party == desk.property
    counts = voices_sweep(now=voice.due_at + timedelta(hours=1))
    assert counts["escalated"] == 1
    assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.ESCALATED, is_public=True).exists()

    page.goto("/me/notifications/")
    badge = page.locator(".notifications-link .badge")
    assert badge.inner_text().strip() == "1"
    row = page.locator("li.notification.unread").first
    assert "督办" in row.inner_text() and f"#{voice.pk}" in row.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "voices-routing-notifications")
    row.locator("button.secondary").click()
    page.wait_for_selector("li.notification.read")
    assert page.locator("li.notification.unread").count() == 0
    page.reload()
    assert page.locator(".notifications-link .badge").count() == 0
