"""社情民意 flow 2 on a phone: staff assign and reply, then close, as seen by the resident's timeline.

The 书记 opens the inbox, accepts a resident's voice about the refuse room and reassigns it to the 物业 with a
reason; the 物业 user finds it in their own inbox, replies in public, leaves an internal note and closes it. The
resident's page shows every public step, labelled by party (never a staff name), without the internal note, and a
message asks for a rating."""

import pytest

from gongzhi.core.roles import Role
from gongzhi.voices.models import Voice
from gongzhi.voices.services.intake import voice_submit
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.voices.conftest import make_desk

pytestmark = pytest.mark.browser


@pytest.fixture
def garden(transactional_db):
    site = factories.make_community(name="花园颐院社区")
    staff = factories.staff_of(site)
    desk = make_desk(site, staff)
    voice = voice_submit(
        actor=desk.resident,
        community=site.community,
        place=site.buildings[0],
        category=desk.categories["refuse"],
        text="1栋垃圾房三天没清运，味道很大",
    )
    return desk, voice


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_staff_assign_and_reply_then_close(page, browser, live_server, garden):
    desk, voice = garden
    c = desk.site.community.pk
    secretary = desk.staff[Role.SECRETARY]
    assert voice.party == desk.committee  # refuse goes to the 居委会 by the default route

    # 书记: the inbox, the voice, accept, reassign to the 物业 with a reason.
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/voices/inbox/")
    row = page.locator(f'tr.inbox-row[data-voice="{voice.pk}"]')
    assert "1栋垃圾房" in row.inner_text() and "居委会" in row.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "voices-inbox1-list")
    row.locator("a").first.click()
    page.wait_for_url(f"**/voices/{voice.pk}/handle/")
    assert "****" in page.locator("#reporter-phone").inner_text()
    assert desk.resident.phone not in page.content()  # identity shown to staff, the phone only masked
    page.fill("#accept-note", "已收到，马上协调")
    page.click("#accept-submit")
    page.wait_for_selector("text=已受理")
    page.click("#assign summary")
    page.select_option("#assign-party", str(desk.property.pk))
    page.click("#assign-submit")  # no reason: refused, nothing changes
    page.wait_for_selector("#assign .error-box")
    assert "改派须写明理由" in page.locator("#assign .error-box").inner_text()
    assert Voice.objects.get(pk=voice.pk).party == desk.committee
    page.select_option("#assign-party", str(desk.property.pk))
    page.fill("#assign-reason", "垃圾清运由物业负责")
    page.click("#assign-submit")
    page.wait_for_selector("text=已分派给花园物业")
    assert "花园物业" in page.locator("#voice-party").inner_text()
    screenshot(page, "voices-inbox2-reassigned")

    # 物业: their own inbox has it; a public reply, an internal note, then closing with the closing reply.
    other = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN")
    handler = other.new_page()
    log_in(handler, desk.staff[Role.PROPERTY].phone, factories.PASSWORD)
    handler.wait_for_load_state()
    handler.goto(f"/c/{c}/voices/inbox/")
    handler.locator(f'tr.inbox-row[data-voice="{voice.pk}"] a').first.click()
    handler.wait_for_url(f"**/voices/{voice.pk}/handle/")
    handler.click("#toggle-large-font")  # the 物业's older staff read it in the large-font mode
    handler.wait_for_selector("body.large-font")
    assert no_sideways_scroll(handler)
    handler.fill("#reply-body", "已安排保洁今天下午清运")
    handler.click("#reply-submit")
    handler.wait_for_selector("text=答复已发布")
    assert handler.locator("#voice-status").inner_text() == "处理中"
    handler.fill("#reply-body", "保洁员王师傅请假，临时调人")
    handler.check("#reply-internal")
    handler.click("#reply-submit")
    handler.wait_for_selector("text=内部备注已保存")
    handler.click("#close summary")
    handler.click("#close-submit")  # the closing reply is required
    handler.wait_for_selector("#close .error-box")
    handler.fill("#close-body", "垃圾已清运完毕，已消毒")
    handler.click("#close-submit")
    handler.wait_for_selector("text=已办结，已请反映人评价")
    assert handler.locator("#voice-status").inner_text() == "已办结"
    screenshot(handler, "voices-inbox3-closed")
    other.close()

    # The resident: the public timeline, by party, without the internal note; a message asks for the rating.
    page.context.clear_cookies()
    log_in(page, desk.resident.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/voices/{voice.pk}/")
    timeline = page.locator("#timeline").inner_text()
    for text in ("受理", "已收到，马上协调", "改派", "花园物业", "垃圾清运由物业负责", "已安排保洁今天下午清运",
                 "办结", "垃圾已清运完毕，已消毒"):  # fmt: skip
        assert text in timeline, text
    assert "王师傅" not in page.content()
    assert secretary.display_name not in timeline
    assert page.locator(".notifications-link .badge").count() == 1
    assert no_sideways_scroll(page)
    screenshot(page, "voices-inbox4-resident-timeline")
    voice.refresh_from_db()
    assert voice.status == "resolved" and not voice.is_open and voice.party == desk.property
