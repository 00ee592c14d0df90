"""Flow 6: a meeting with QR sign-in and minutes. Staff schedule it and open the poster; a resident on a phone
scans it, logs in and signs in (a second scan is refused); staff record minutes and a suggestion."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Attendance, Meeting, Suggestion
from gongzhi.people.services import person_account_create
from tests import factories
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def courtyard(transactional_db):
    site = factories.make_community(name="东环路社区")
    secretary = factories.make_user(Role.SECRETARY, place=site.community, name="邹书记")
    resident = person_account_create(actor=None, person=site.people[0], password=factories.PASSWORD)
    resident.must_change_password = False  # changed at the first login, long ago
    resident.save(update_fields=["must_change_password"])
    return site, secretary, resident


def test_meeting_with_qr_sign_in_and_minutes(page, browser, live_server, courtyard):
    site, secretary, resident = courtyard
    c = site.community.pk
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{c}/")
    page.goto(f"/c/{c}/topics/")
    page.click("#meetings-link")
    page.click("#schedule-meeting")
    page.select_option("#id_kind", "bazaba")
    page.select_option("#id_place", str(site.compound.pk))
    page.fill("#id_title", "院坝停车坝坝会")
    starts = timezone.localtime() - datetime.timedelta(minutes=10)
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_location", "花园小区中庭")
    page.click("#schedule-submit")
    page.wait_for_selector("text=会议已安排")
    meeting = Meeting.objects.get()
    page.click("#poster-link")
    qr = page.locator("#signin-qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 200
    signin_url = page.locator("#signin-url").inner_text().strip()
    assert signin_url.endswith(f"/meetings/signin/{meeting.signin_token}/")
    screenshot(page, "meeting1-poster")

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN")
    scan = phone.new_page()
    scan.goto(signin_url)  # what the camera opens
    scan.wait_for_url("**/login/**")
    scan.fill("#id_phone", resident.phone)
    scan.fill("#id_password", factories.PASSWORD)
    scan.click("#login-submit")
    scan.wait_for_selector("#signin-submit")
    second_scan = phone.new_page()  # the poster scanned twice
    second_scan.goto(signin_url)
    scan.click("#signin-submit")
    scan.wait_for_selector("#signed-in")
    screenshot(scan, "meeting2-resident-signed-in")
    second_scan.click("#signin-submit")
    second_scan.wait_for_selector("text=已签到，无需重复签到")
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    phone.close()

    page.goto(f"/c/{c}/meetings/{meeting.pk}/")
    page.click("#minutes-link")
    page.fill("#id_minutes", "议定：院坝东侧划出电瓶车充电区，物业两周内完成。")
    page.click("#minutes-submit")
    page.wait_for_selector("text=会议纪要已保存")
    page.click("#suggestions-link")
    page.fill("#id_body", "院门口路灯坏了，请尽快修理")
    page.fill("#id_category", "安全")
    page.click("#suggestion-submit")
    page.wait_for_selector("text=建议已记录")
    page.goto(f"/c/{c}/meetings/{meeting.pk}/")
    assert page.locator("#attendance-count").inner_text() == "1"
    assert "电瓶车充电区" in page.locator("#minutes").inner_text()
    assert "路灯" in page.locator("#suggestions").inner_text()
    assert site.people[0].name in page.locator("#attendees").inner_text()
    assert page.locator("#meeting-status").inner_text().startswith("已召开")
    screenshot(page, "meeting3-meeting-page")
    assert Suggestion.objects.get().meeting == meeting
