"""Residents' pages: every page and POST as anonymous, another community (404), a lower role and the allowed role;
404 for out-of-scope ids; bad input on the pages keeps the input and changes nothing; photos only through the
view; no identity on the public pages; constant query counts on my voices and the public list."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from gongzhi.core.roles import Role
from gongzhi.voices.models import Channel, EventKind, Voice, VoiceEvent, VoiceFollower, VoicePhoto
from gongzhi.voices.services import workflow
from gongzhi.voices.services.intake import voice_submit
from tests import factories
from tests.conftest import login
from tests.queries import queries

pytestmark = pytest.mark.django_db
ROLES = [
    Role.SECRETARY,
    Role.SOCIAL_WORKER,
    Role.GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.PROPERTY,
    Role.STREET_STAFF,
    Role.RESIDENT,
]
EVERYONE = set(ROLES)
SUBMITTERS = EVERYONE - {Role.STREET_STAFF}
# Who sees the resident's private lighting voice in building 1 (routed to 花园物业): managers, the micro-grid's
# worker, building 1's head, the property as the assigned party, and the reporter. Street staff get aggregates only.
SEES_PRIVATE = EVERYONE - {Role.STREET_STAFF}


def jpeg(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 40.0, 0.0), 4: (104.0, 3.0, 0.0)}
    Image.new("RGB", (width, height), (10, 200, 10)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def submit(desk, *, actor=None, text="1栋门口路灯不亮", category="lighting", place=None, **kw) -> Voice:  # type: ignore[no-untyped-def]
    return voice_submit(
        actor=actor or desk.resident,
        community=desk.site.community,
        place=place or desk.site.buildings[0],
        category=desk.categories[category],
        text=text,
        **kw,
    )


def close(desk, voice: Voice) -> Voice:  # type: ignore[no-untyped-def]
    return workflow.voice_close(actor=desk.staff[Role.SECRETARY], voice=voice, body="已更换灯泡")


@pytest.fixture
def private(desk) -> Voice:
    return submit(desk, photos=[SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")])


def pages(desk, voice: Voice) -> dict[str, str]:
    c, v = desk.site.community.pk, voice.pk
    photo = voice.photos.first()
    return {
        "mine": f"/c/{c}/voices/mine/",
        "report": f"/c/{c}/voices/new/",
        "similar": f"/c/{c}/voices/similar/?text=路灯不亮&place={desk.site.compound.pk}",
        "detail": f"/c/{c}/voices/{v}/",
        "photo": f"/c/{c}/voices/{v}/photos/{photo.pk if photo else 0}/",
    }


ALLOWED = {
    "mine": EVERYONE,
    "report": SUBMITTERS,
    "similar": EVERYONE,
    "detail": SEES_PRIVATE,
    "photo": SEES_PRIVATE,
}
REFUSED = {"report": 403, "detail": 404, "photo": 404}


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_anonymous_is_sent_to_login_or_not_found(desk, private, page):
    response = Client().get(pages(desk, private)[page])
    if page == "photo":  # a private voice's photo does not exist for the public
        assert response.status_code == 404
    else:
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_other_community_gets_404(desk, other_desk, private, page):
    for user in (other_desk.staff[Role.SECRETARY], other_desk.resident):
        assert login(user).get(pages(desk, private)[page]).status_code == 404, page


@pytest.mark.parametrize("page", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused(desk, private, page, role):
    status = login(desk.staff[role]).get(pages(desk, private)[page]).status_code
    assert status == (200 if role in ALLOWED[page] else REFUSED[page]), (page, role, status)


def test_a_neighbour_does_not_see_a_private_voice_nor_its_photo(desk, private):
    neighbour = factories.make_user(Role.RESIDENT, household=desk.site.households[1])
    client = login(neighbour)
    for page in ("detail", "photo"):
        assert client.get(pages(desk, private)[page]).status_code == 404
    assert "路灯不亮" not in client.get(pages(desk, private)["mine"]).content.decode()
    # Nor among the suggestions while typing.
    assert f'data-voice="{private.pk}"' not in client.get(pages(desk, private)["similar"]).content.decode()


def test_an_id_of_another_community_is_404_even_in_the_own_community_url(desk, other_desk):
    theirs = submit(other_desk, is_public=True)
    c = desk.site.community.pk
    client = login(desk.staff[Role.SECRETARY])
    assert client.get(f"/c/{c}/voices/{theirs.pk}/").status_code == 404
    assert client.get(f"/c/{c}/voices/999999/").status_code == 404
    assert client.post(f"/c/{c}/voices/{theirs.pk}/me-too/").status_code == 404


def test_home_sends_handlers_to_the_inbox_and_residents_to_their_voices(desk):
    c = desk.site.community.pk
    assert Client().get(f"/c/{c}/voices/").status_code == 302
    for role in ROLES:
        response = login(desk.staff[role]).get(f"/c/{c}/voices/")
        assert response.status_code == 302, role
        expected = "/voices/mine/" if role in (Role.RESIDENT, Role.STREET_STAFF) else "/voices/inbox/"
        assert response["Location"].endswith(expected), (role, response["Location"])


# --- Reporting -------------------------------------------------------------------------------------------------


def report_url(desk) -> str:
    return f"/c/{desk.site.community.pk}/voices/new/"


def test_the_form_defaults_to_the_residents_building_and_lists_active_categories(desk):
    desk.categories["security"].is_active = False
    desk.categories["security"].save()
    html = login(desk.resident).get(report_url(desk)).content.decode()
    assert f'<option value="{desk.site.buildings[0].pk}" selected>' in html
    assert "停车" in html and "治安" not in html
    assert 'hx-get="/c/' in html and "keyup changed delay:400ms" in html
    assert "永远不会公开" in html


def test_a_resident_reports_with_a_photo(desk):
    s = desk.site
    response = login(desk.resident).post(
        report_url(desk),
        {
            "category": desk.categories["lighting"].pk,
            "place": s.buildings[0].pk,
            "text": "1栋门口路灯不亮",
            "is_public": "on",
            "photos": [SimpleUploadedFile("IMG_0001.jpg", jpeg(), content_type="image/jpeg")],
        },
    )
    voice = Voice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/c/{s.community.pk}/voices/{voice.pk}/"
    assert voice.is_public and voice.reporter == desk.resident and voice.party == desk.property
    photo = VoicePhoto.objects.get(voice=voice)
    assert 0x8825 not in Image.open(photo.image.open("rb")).getexif()
    detail = login(desk.resident).get(response["Location"]).content.decode()
    assert f"/c/{s.community.pk}/voices/{voice.pk}/photos/{photo.pk}/" in detail
    assert "/media/" not in detail
    served = login(desk.resident).get(f"/c/{s.community.pk}/voices/{voice.pk}/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"].startswith("private")
    # The same headers as every private file (core.files): shown inline as the image it was decoded as, never sniffed.
    assert served["Content-Disposition"] == f'inline; filename="voice-{voice.pk}-{photo.pk}.jpg"'
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("text", "code_message"),
    [
        ("", "请填写您要反映的问题"),
        ("<script>alert(1)</script>", "内容不能包含HTML或脚本代码"),
        ("长" * 1001, "内容不能超过1000个字"),
    ],
)
def test_bad_text_shows_the_message_and_keeps_the_input(desk, text, code_message):
    response = login(desk.resident).post(
        report_url(desk),
        {"category": desk.categories["refuse"].pk, "place": desk.site.compound.pk, "text": text, "is_public": "on"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="text"' in html and code_message in html
    assert "<script>alert" not in html  # escaped when shown back
    if text:
        assert escape(text) in html  # what was typed comes back, escaped, to be corrected
    assert f'<option value="{desk.site.compound.pk}" selected>' in html
    assert Voice.objects.count() == 0


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("doc.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"), "不是 JPEG"),
        (
            SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024), content_type="image/jpeg"),
            "10 MB",
        ),
    ],
)
def test_a_wrong_or_oversized_photo_shows_the_message_and_writes_nothing(desk, upload, message):
    response = login(desk.resident).post(
        report_url(desk),
        {
            "category": desk.categories["lighting"].pk,
            "place": desk.site.buildings[0].pk,
            "text": "路灯坏了",
            "photos": [upload],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="photos"' in html and message in html
    assert "路灯坏了" in html
    assert Voice.objects.count() == 0 and VoicePhoto.objects.count() == 0


def test_six_photos_are_refused_on_the_page(desk):
    files = [SimpleUploadedFile(f"{i}.jpg", jpeg(), content_type="image/jpeg") for i in range(6)]
    response = login(desk.resident).post(
        report_url(desk),
        {"category": desk.categories["lighting"].pk, "place": desk.site.buildings[0].pk, "text": "灯", "photos": files},
    )
    assert response.status_code == 400 and "最多上传 5 张照片" in response.content.decode()
    assert Voice.objects.count() == 0


def test_a_place_or_category_of_another_community_is_not_found(desk, other_desk):
    base = {"category": desk.categories["lighting"].pk, "place": desk.site.buildings[0].pk, "text": "灯"}
    client = login(desk.resident)
    bad_place = client.post(report_url(desk), {**base, "place": other_desk.site.buildings[0].pk})
    bad_category = client.post(report_url(desk), {**base, "category": other_desk.categories["lighting"].pk})
    assert bad_place.status_code == 400 and bad_category.status_code == 400  # not among the choices
    assert "请选择本社区的地点" in bad_place.content.decode()
    assert "请选择本社区的类别" in bad_category.content.decode()
    missing = client.post(report_url(desk), {"place": desk.site.buildings[0].pk, "text": "灯"}).content.decode()
    assert 'data-field="category"' in missing and "请选择类别" in missing and ">灯</textarea>" in missing
    assert Voice.objects.count() == 0


# --- Similar and "me too" --------------------------------------------------------------------------------------


def test_similar_lists_visible_open_voices_with_a_me_too_button(desk):
    public = submit(desk, text="路灯不亮已经一周了", is_public=True)
    neighbour = factories.make_user(Role.RESIDENT, household=desk.site.households[1])
    html = login(neighbour).get(pages(desk, public)["similar"], HTTP_HX_REQUEST="true").content.decode()
    assert f'data-voice="{public.pk}"' in html and "我也遇到" in html
    assert f"/voices/{public.pk}/me-too/" in html
    assert "<html" not in html  # a fragment


def test_me_too_from_the_page_counts_and_a_second_tap_says_so(desk):
    public = submit(desk, is_public=True)
    neighbour = factories.make_user(Role.RESIDENT, household=desk.site.households[1])
    client = login(neighbour)
    url = f"/c/{desk.site.community.pk}/voices/{public.pk}/me-too/"
    assert client.get(url).status_code == 405
    first = client.post(url, follow=True)
    assert first.status_code == 200 and "已记录" in first.content.decode()
    second = client.post(url, follow=True)
    assert "您已经关注了这个问题" in second.content.decode()
    public.refresh_from_db()
    assert public.support_count == 2
    assert VoiceFollower.objects.filter(voice=public, user=neighbour).count() == 1
    assert Voice.objects.count() == 1


def test_me_too_permissions(desk, other_desk):
    public = submit(desk, is_public=True)
    url = f"/c/{desk.site.community.pk}/voices/{public.pk}/me-too/"
    assert Client().post(url).status_code == 302
    assert login(other_desk.resident).post(url).status_code == 404
    assert login(desk.staff[Role.STREET_STAFF]).post(url).status_code == 404
    own = login(desk.resident).post(url, follow=True)
    assert "这是您自己反映的问题" in own.content.decode()
    public.refresh_from_db()
    assert public.support_count == 1


# --- Rating and reopening --------------------------------------------------------------------------------------


def test_rate_before_closed_is_refused_on_the_page(desk, private):
    response = login(desk.resident).post(f"/c/{desk.site.community.pk}/voices/{private.pk}/rate/", {"rating": "5"})
    assert response.status_code == 400 and "尚未办结" in response.content.decode()
    private.refresh_from_db()
    assert private.rating is None


def test_the_reporter_rates_and_reopens_a_closed_voice(desk, private):
    close(desk, private)
    client = login(desk.resident)
    base = f"/c/{desk.site.community.pk}/voices/{private.pk}/"
    detail = client.get(base).content.decode()
    assert 'id="rate-card"' in detail and 'id="reopen-card"' in detail
    assert client.post(base + "rate/", {"rating": "9"}).status_code == 400
    ok = client.post(base + "rate/", {"rating": "2", "comment": "灯还在闪"})
    assert ok.status_code == 302
    again = client.post(base + "rate/", {"rating": "5"})
    assert again.status_code == 400 and "只能评价一次" in again.content.decode()
    empty = client.post(base + "reopen/", {"reason": ""})
    assert empty.status_code == 400 and "请写明需要重新办理的理由" in empty.content.decode()
    assert client.post(base + "reopen/", {"reason": "第二天又不亮了"}).status_code == 302
    private.refresh_from_db()
    assert (private.rating, private.status, private.is_open, private.reopen_count) == (2, "in_progress", True, 1)
    html = client.get(base).content.decode()
    assert "第二天又不亮了" in html and 'id="reopen-card"' not in html and 'id="rate-card"' not in html


def test_a_second_reopen_is_refused_on_the_page(desk, private):
    close(desk, private)
    client = login(desk.resident)
    base = f"/c/{desk.site.community.pk}/voices/{private.pk}/"
    client.post(base + "reopen/", {"reason": "又坏了"})
    close(desk, Voice.objects.get(pk=private.pk))
    response = client.post(base + "reopen/", {"reason": "还是坏"})
    assert response.status_code == 400 and "只能申请重新办理一次" in response.content.decode()
    assert VoiceEvent.objects.filter(voice=private, kind=EventKind.REOPENED).count() == 1


def test_a_reopen_after_the_window_is_refused_on_the_page(desk, private):
    closed_at = timezone.now()
    with time_machine.travel(closed_at, tick=False):
        close(desk, private)
    client = login(desk.resident)  # a session of today, still valid eight days on
    url = f"/c/{desk.site.community.pk}/voices/{private.pk}/reopen/"
    with time_machine.travel(closed_at + datetime.timedelta(days=8), tick=False):
        assert 'id="reopen-card"' not in client.get(url.replace("reopen/", "")).content.decode()
        response = client.post(url, {"reason": "又坏了"})
    assert response.status_code == 400 and "重新办理期限" in response.content.decode()
    private.refresh_from_db()
    assert (private.is_open, private.reopen_count) == (False, 0)


@pytest.mark.parametrize("action", ["rate", "reopen"])
def test_rate_and_reopen_permissions(desk, other_desk, private, action):
    close(desk, private)
    url = f"/c/{desk.site.community.pk}/voices/{private.pk}/{action}/"
    data = {"rating": "4", "reason": "又坏了"}
    assert Client().post(url, data).status_code == 302
    assert login(other_desk.resident).post(url, data).status_code == 404
    assert login(desk.staff[Role.STREET_STAFF]).post(url, data).status_code == 404
    # Staff see it but are not its reporter.
    assert login(desk.staff[Role.SECRETARY]).post(url, data).status_code == 403
    assert login(desk.resident).post(url, data).status_code == 302
    private.refresh_from_db()
    assert private.rating == 4 if action == "rate" else private.reopen_count == 1


# --- The public list -------------------------------------------------------------------------------------------


def hotline_voice(desk, text: str = "小区南门垃圾房满了没人清") -> Voice:  # type: ignore[no-untyped-def]
    return submit(
        desk,
        actor=desk.staff[Role.SECRETARY],
        channel=Channel.HOTLINE,
        contact_name="李大爷",
        contact_phone="13812345678",
        category="refuse",
        place=desk.site.compound,
        text=text,
        is_public=True,
    )


def test_the_public_list_shows_status_and_replies_but_no_identity(desk):
    voice = hotline_voice(desk)
    workflow.voice_reply(actor=desk.staff[Role.SECRETARY], voice=voice, body="已通知清运公司明早处理")
    workflow.voice_reply(actor=desk.staff[Role.SECRETARY], voice=voice, body="内部：联系李大爷", is_public=False)
    hidden = submit(desk, text="我家楼上漏水")  # not public
    c = desk.site.community.pk
    for client in (Client(), login(desk.staff[Role.SECRETARY])):
        html = client.get(f"/c/{c}/voices/public/").content.decode()
        assert "垃圾房满了" in html and "已通知清运公司" in html
        assert "李大爷" not in html and "13812345678" not in html and "1234" not in html
        assert "内部" not in html and "漏水" not in html
        assert desk.staff[Role.SECRETARY].display_name not in html
        page = client.get(f"/p/{c}/").content.decode()
        assert "垃圾房满了" in page and "已通知清运公司" in page and f"/c/{c}/voices/public/" in page
        assert "李大爷" not in page and "漏水" not in page
    assert hidden.pk


def test_a_public_voices_photo_is_served_to_anyone_and_a_private_ones_to_no_one(desk, private):
    public = submit(desk, is_public=True, photos=[SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")])
    c = desk.site.community.pk
    photo = public.photos.get()
    assert Client().get(f"/c/{c}/voices/{public.pk}/photos/{photo.pk}/").status_code == 200
    # A photo id of another voice under this voice's URL is not found.
    other_photo = private.photos.get()
    assert Client().get(f"/c/{c}/voices/{public.pk}/photos/{other_photo.pk}/").status_code == 404
    assert Client().get(f"/c/{c}/voices/{private.pk}/photos/{other_photo.pk}/").status_code == 404


def test_the_public_list_of_an_unknown_community_is_404(desk):
    assert Client().get("/c/999999/voices/public/").status_code == 404


# --- Query counts ----------------------------------------------------------------------------------------------


def fill(desk, n: int) -> None:
    for i in range(n):
        voice = hotline_voice(desk, text=f"第{i + 1}号垃圾房满了")
        workflow.voice_reply(actor=desk.staff[Role.SECRETARY], voice=voice, body=f"第{i + 1}次答复")
        mine = submit(desk, text=f"第{i + 1}盏路灯不亮", is_public=True)
        workflow.voice_accept(actor=desk.staff[Role.SECRETARY], voice=mine)


def measure(desk, url: str, user) -> int:  # type: ignore[no-untyped-def]

    client = login(user) if user else Client()
    client.get(url)  # warm the process-wide caches
    cache.clear()
    with queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["mine", "public"])
def test_lists_cost_the_same_queries_with_1_and_25_voices(desk, other_desk, page):
    fill(desk, 1)
    fill(other_desk, 25)
    small_url = f"/c/{desk.site.community.pk}/voices/{page}/"
    large_url = f"/c/{other_desk.site.community.pk}/voices/{page}/"
    small = measure(desk, small_url, desk.resident if page == "mine" else None)
    client = login(other_desk.resident) if page == "mine" else Client()
    client.get(large_url)
    cache.clear()
    with queries(small):
        response = client.get(large_url)
    html = response.content.decode()
    assert html.count('data-voice="') == 25
    if page == "public":
        assert "第25次答复" in html


def test_phones_and_id_numbers_typed_into_a_public_voice_are_masked_for_neighbours(desk):
    id_number = factories.next_id_number()
    voice = submit(desk, is_public=True, text=f"路灯坏了，请打13812345678，身份证{id_number}，编号2026010112345678")
    workflow.voice_reply(actor=desk.staff[Role.SECRETARY], voice=voice, body="已联系13900001111的电工")
    c = desk.site.community.pk
    masked_id = id_number[:3] + "*" * 11 + id_number[-4:]
    for html in (
        Client().get(f"/c/{c}/voices/public/").content.decode(),
        Client().get(f"/p/{c}/").content.decode(),
        login(factories.make_user(Role.RESIDENT, household=desk.site.households[1]))
        .get(f"/c/{c}/voices/{voice.pk}/")
        .content.decode(),
    ):
        assert "13812345678" not in html and id_number not in html and "13900001111" not in html
        assert "138****5678" in html
    public = Client().get(f"/c/{c}/voices/public/").content.decode()
    assert masked_id in public and "139****1111" in public
    assert "2026010112345678" in public  # a 16-digit reference is neither
    own = login(desk.resident).get(f"/c/{c}/voices/{voice.pk}/").content.decode()
    assert "13812345678" in own and id_number in own  # the reporter reads what they wrote


def test_a_photo_whose_file_is_gone_is_404_not_an_error(desk, private):
    photo = private.photos.get()
    photo.image.storage.delete(photo.image.name)
    url = f"/c/{desk.site.community.pk}/voices/{private.pk}/photos/{photo.pk}/"
    assert login(desk.resident).get(url).status_code == 404
