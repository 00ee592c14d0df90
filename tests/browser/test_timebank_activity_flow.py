"""时间银行 flow 1 on phones: a volunteer signs up for a session and opens "my code"; the organiser, in another
browser, scans the code in and out on the session page (the scan box filled with the code read from the
volunteer's page) and approves the hours; the volunteer then sees the points on "my activities"."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord
from gongzhi.timebank.models.ledger import Account, AccountKind
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.timebank.test_activities_world import World, first_session, make_activity, make_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db) -> World:
    world = make_world(factories.make_community(name="杨西园村", residents_per_household=2))
    # Accounts opened by staff must change their password first; this volunteer already has.
    User.objects.filter(pk=world.alice_user.pk).update(must_change_password=False)
    return world


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_volunteer_signs_up_is_scanned_in_and_out_is_approved_and_sees_the_points(page, browser, live_server, world):
    c = world.community.pk
    today = timezone.localdate()
    activity = make_activity(world, title="村道保洁", start_date=today, today=today)
    session = first_session(activity)

    # Within a few hours of the real time, so that the browsers' session cookies stay valid.
    with time_machine.travel(at(today, 8, 30), tick=True):
        log_in(page, world.alice_user.phone, factories.PASSWORD)
        page.wait_for_load_state()
        page.goto(f"/c/{c}/timebank/activities/")
        page.click(f"#session-{session.pk} h3 a")
        page.wait_for_url(f"**/c/{c}/timebank/activities/{activity.pk}/")
        page.click(f"#signup-{session.pk}")
        page.wait_for_selector("text=报名成功")
        assert page.locator(f'#session-{session.pk} [data-mine="confirmed"]').is_visible()
        assert no_sideways_scroll(page)
        screenshot(page, "timebank1-signed-up")

        page.goto(f"/c/{c}/timebank/my-code/")
        page.locator("#volunteer-qr svg").wait_for()
        shown = page.locator("#volunteer-code").inner_text()  # the text a helper would read out or type
        assert len(shown.replace(" ", "")) == 6 and shown.replace(" ", "").isdigit()  # short enough to type
        assert no_sideways_scroll(page)
        screenshot(page, "timebank1-my-code")

        organiser_context = browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
        )
        organiser = organiser_context.new_page()
        organiser.set_default_timeout(15000)
        log_in(organiser, world.organiser.phone, factories.PASSWORD)
        organiser.wait_for_load_state()
        organiser.goto(f"/c/{c}/timebank/sessions/{session.pk}/")
        organiser.fill("#scan-code", shown)
        organiser.click("#scan-in")
        organiser.wait_for_selector("text=签到成功")
        assert organiser.locator(f'#roster [data-person="{world.alice.pk}"] [data-record-status="checked_in"]').count()
        assert world.alice.name not in organiser.content()  # the roster shows masked names
        assert no_sideways_scroll(organiser)
        screenshot(organiser, "timebank1-scanned-in")

    with time_machine.travel(at(today, 10, 30), tick=True):
        organiser.fill("#scan-code", shown)
        organiser.click("#scan-out")
        organiser.wait_for_selector("text=待审核")
        record = ServiceRecord.objects.get(person=world.alice)
        assert (record.status, record.minutes) == (RecordStatus.PENDING, 90)  # 08:30 arrival counts from 09:00

        organiser.goto(f"/c/{c}/timebank/approvals/")
        organiser.click(f"#approve-{record.pk}")
        organiser.wait_for_selector("text=15 积分")
        screenshot(organiser, "timebank1-approved")
        organiser_context.close()

        page.goto(f"/c/{c}/timebank/my-activities/")
        assert page.locator("#my-balance").inner_text() == "15"
        assert page.locator(f'#record-{record.pk} [data-points="15"]').is_visible()
        assert page.locator("#my-hours").inner_text() == "1.5"
        assert no_sideways_scroll(page)
        screenshot(page, "timebank1-points")

        # The same page in the large-font mode still fits the phone.
        page.click("#toggle-large-font")
        page.wait_for_load_state()
        assert page.locator("body.large-font").count() == 1
        assert no_sideways_scroll(page)
        screenshot(page, "timebank1-points-large-font")
    assert Account.objects.get(kind=AccountKind.INDIVIDUAL, person=world.alice).balance == 15
