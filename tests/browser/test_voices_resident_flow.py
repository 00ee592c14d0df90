"""社情民意 flows 1 and 3 on a phone.

1. A resident starts reporting a dark street lamp with a photo, is shown a neighbour's public voice about the same
   lamp while typing, and adds "我也遇到" to it instead of filing a new one; then reports a different problem
   with a photo, which shows on the voice's page without its GPS.
2. (flow 3) The resident rates a closed voice and reopens it, also in the large-font mode."""

import io

import pytest
from PIL import Image

from gongzhi.core.roles import Role
from gongzhi.voices.models import EventKind, FollowKind, Voice, VoiceEvent, VoiceFollower, VoicePhoto
from gongzhi.voices.services import workflow
from gongzhi.voices.services.intake import voice_submit
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.voices.conftest import make_desk

pytestmark = pytest.mark.browser


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 0.0), 3: "E", 4: (104.0, 3.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (250, 200, 40)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def garden(transactional_db):
    site = factories.make_community(name="花园颐院社区")
    staff = factories.staff_of(site)
    desk = make_desk(site, staff)
    neighbour = factories.make_user(Role.RESIDENT, household=site.households[3], name="王阿姨")
    lamp = voice_submit(
        actor=neighbour,
        community=site.community,
        place=site.buildings[0],
        category=desk.categories["lighting"],
        text="1栋门口的路灯坏了，晚上黑漆漆的",
        is_public=True,
    )
    return desk, lamp


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_resident_reports_with_a_photo_and_adds_me_too_to_a_similar_voice(page, garden):
    desk, lamp = garden
    c = desk.site.community.pk
    log_in(page, desk.resident.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/voices/")
    page.wait_for_url(f"**/c/{c}/voices/mine/")
    page.click("#report-link")
    page.wait_for_url(f"**/c/{c}/voices/new/")
    page.wait_for_load_state()  # htmx and the counter are deferred scripts
    page.select_option("#id_category", str(desk.categories["lighting"].pk))
    assert page.locator("#id_place").input_value() == str(desk.site.buildings[0].pk)  # their own building
    page.set_input_files(
        "#id_photos", files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    page.locator("#id_text").press_sequentially("1栋门口的路灯不亮")
    assert page.locator("#text-count").inner_text() == str(len("1栋门口的路灯不亮"))
    suggestion = page.locator(f'.similar-voice[data-voice="{lamp.pk}"]')
    suggestion.wait_for()
    assert "路灯坏了" in suggestion.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "voices1-similar-suggestion")

    page.click(f"#me-too-{lamp.pk}")
    page.wait_for_url(f"**/c/{c}/voices/{lamp.pk}/")
    page.wait_for_selector("text=已记录“我也遇到”")
    assert page.locator("#support-count").inner_text() == "2"
    assert page.locator("#following").is_visible()
    lamp.refresh_from_db()
    assert lamp.support_count == 2
    assert Voice.objects.count() == 1  # no new voice was filed
    assert VoiceFollower.objects.filter(voice=lamp, user=desk.resident, kind=FollowKind.ME_TOO).exists()
    assert "我也遇到" in page.locator("#timeline").inner_text()
    assert "王阿姨" not in page.content()
    screenshot(page, "voices2-me-too")

    # A different problem, filed with its photo.
    page.goto(f"/c/{c}/voices/new/")
    page.wait_for_load_state()
    page.select_option("#id_category", str(desk.categories["refuse"].pk))
    page.select_option("#id_place", str(desk.site.compound.pk))
    page.fill("#id_text", "东侧垃圾房三天没有清运，味道很大")
    page.set_input_files(
        "#id_photos", files=[{"name": "IMG_2042.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    page.check("#id_is_public")
    page.click("#report-submit")
    page.wait_for_selector("text=已收到您的反映")
    voice = Voice.objects.exclude(pk=lamp.pk).get()
    assert voice.reporter == desk.resident and voice.is_public
    image = page.locator("#voice-photos img").first
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    photo = VoicePhoto.objects.get(voice=voice)
    assert 0x8825 not in Image.open(photo.image.open("rb")).getexif()
    screenshot(page, "voices3-reported-with-photo")


def test_resident_rates_and_reopens_a_closed_voice(page, garden):
    desk, _lamp = garden
    c = desk.site.community.pk
    mine = voice_submit(
        actor=desk.resident,
        community=desk.site.community,
        place=desk.site.buildings[0],
        category=desk.categories["parking"],
        text="消防通道晚上总被私家车占用",
    )
    workflow.voice_close(actor=desk.staff[Role.PROPERTY], voice=mine, body="已在通道两端加装挡车桩")
    log_in(page, desk.resident.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/voices/mine/")
    page.click(f'.my-voice[data-voice="{mine.pk}"] a')
    page.wait_for_url(f"**/c/{c}/voices/{mine.pk}/")
    assert page.locator("#voice-status").inner_text().startswith("已办结")
    assert "加装挡车桩" in page.locator("#timeline").inner_text()
    page.click("#toggle-large-font")
    page.wait_for_selector("body.large-font")
    assert no_sideways_scroll(page)
    screenshot(page, "voices4-closed-large-font")

    page.check("#rating-2")
    page.fill("#id_comment", "挡车桩被挪开了，还是有车停")
    page.click("#rate-submit")
    page.wait_for_selector("text=感谢您的评价")
    assert page.locator("#voice-rating").inner_text().startswith("2/5")
    assert page.locator("#rate-card").count() == 0

    page.fill("#id_reason", "")
    page.click("#reopen-submit")
    page.wait_for_selector('[data-field="reason"]')
    assert "请写明需要重新办理的理由" in page.locator('[data-field="reason"]').inner_text()
    page.fill("#id_reason", "挡车桩被挪开，周末晚上又停满了车")
    page.click("#reopen-submit")
    page.wait_for_selector("text=已申请重新办理")
    assert page.locator("#voice-status").inner_text().startswith("处理中")
    assert page.locator("#reopen-card").count() == 0
    assert "周末晚上又停满了车" in page.locator("#timeline").inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "voices5-reopened")
    mine.refresh_from_db()
    assert (mine.rating, mine.status, mine.is_open, mine.reopen_count) == (2, "in_progress", True, 1)
    assert VoiceEvent.objects.filter(voice=mine, kind=EventKind.REOPENED).count() == 1
