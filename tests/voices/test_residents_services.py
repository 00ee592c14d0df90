"""Residents' services: photos (type from the bytes, size, count, EXIF GPS stripped, upright, downscaled), "me too"
counts, the satisfaction rating and one reopening. Each refusal asserts its code and that nothing changed."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.notifications.models import Notification
from gongzhi.voices.models import EventKind, FollowKind, Voice, VoiceEvent, VoiceFollower, VoicePhoto
from gongzhi.voices.services import merging, workflow
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.photos import PHOTO_MAX_BYTES, photo_validate
from gongzhi.voices.services.residents import voice_me_too, voice_rate, voice_reopen
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

GPS = 0x8825
ORIENTATION = 0x0112


def jpeg(width: int = 40, height: int = 20, *, gps: bool = True, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    if gps:
        exif[GPS] = {1: "N", 2: (30.0, 40.0, 0.0), 3: "E", 4: (104.0, 3.0, 0.0)}
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png(width: int = 30, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 255, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 255, 0)).save(buffer, "WEBP")
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def submit(desk, *, actor=None, text="小区东门路灯不亮", category="lighting", place=None, **kw) -> Voice:  # type: ignore[no-untyped-def]
    s = desk.site
    return voice_submit(
        actor=actor or desk.resident,
        community=s.community,
        place=place or s.buildings[0],
        category=desk.categories[category],
        text=text,
        **kw,
    )


def close(desk, voice: Voice) -> Voice:  # type: ignore[no-untyped-def]
    return workflow.voice_close(actor=desk.staff[Role.SECRETARY], voice=voice, body="已更换灯泡")


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def neighbour(desk):  # type: ignore[no-untyped-def]
    return factories.make_user(Role.RESIDENT, household=desk.site.households[1])


# ---------------------------------------------------------------------------------------------------------------
# Photos


def test_a_jpeg_with_gps_is_stored_without_any_exif(desk):
    voice = submit(desk, photos=[upload(jpeg())])
    photo = VoicePhoto.objects.get(voice=voice)
    stored = Image.open(photo.image.open("rb"))
    assert stored.format == "JPEG"
    assert photo.content_type == "image/jpeg"
    exif = stored.getexif()
    assert GPS not in exif and len(exif) == 0
    assert "exif" not in stored.info
    with photo.image.open("rb") as f:
        raw = f.read()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw
    assert photo.size == len(raw)


def test_the_original_file_really_carried_gps():
    # The fixture must be able to fail the test above: the upload does have GPS.
    assert GPS in Image.open(io.BytesIO(jpeg())).getexif()


def test_orientation_is_applied_before_the_exif_goes(desk):
    # Orientation 6 = the camera was turned: a 40×20 sensor image is a 20×40 picture.
    voice = submit(desk, photos=[upload(jpeg(40, 20, orientation=6))])
    photo = VoicePhoto.objects.get(voice=voice)
    assert (photo.width, photo.height) == (20, 40)
    assert Image.open(photo.image.open("rb")).size == (20, 40)


def test_a_large_photo_is_brought_down_to_2560_on_its_long_side(desk):
    voice = submit(desk, photos=[upload(jpeg(3000, 1500, gps=False))])
    photo = VoicePhoto.objects.get(voice=voice)
    assert (photo.width, photo.height) == (2560, 1280)


def test_png_and_webp_stay_in_their_format_and_the_name_does_not_matter(desk):
    voice = submit(desk, photos=[upload(png(), "x.jpg", "image/jpeg"), upload(webp(), "y.png", "image/png")])
    kinds = list(VoicePhoto.objects.filter(voice=voice).values_list("content_type", flat=True))
    assert kinds == ["image/png", "image/webp"]
    names = [p.image.name for p in VoicePhoto.objects.filter(voice=voice)]
    assert names[0].endswith(".png") and names[1].endswith(".webp")
    assert all(Path(n).stem not in ("x", "y") and len(Path(n).stem) == 32 for n in names)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"GIF89a" + b"\x00" * 100, "animation.gif"),
        (b"%PDF-1.4 not an image", "photo.jpg"),  # a JPEG by name only
        (b"<script>alert(1)</script>", "photo.png"),
    ],
)
def test_a_wrong_type_is_refused_and_nothing_is_written(desk, data, name):
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, photos=[upload(jpeg()), upload(data, name)])
    assert exc.value.code == "photo_bad_type"
    assert exc.value.extra["field"] == "photos"
    assert "JPEG" in str(exc.value.message)
    assert Voice.objects.count() == 0 and VoicePhoto.objects.count() == 0
    assert media_files() == []


def test_a_real_gif_is_refused_too(desk):
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, photos=[upload(buffer.getvalue(), "a.jpg")])
    assert exc.value.code == "photo_bad_type"
    assert Voice.objects.count() == 0


def test_a_photo_over_10_mb_is_refused(desk):
    big = upload(jpeg() + b"\x00" * (PHOTO_MAX_BYTES + 1 - len(jpeg())))
    assert big.size == PHOTO_MAX_BYTES + 1
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, photos=[big])
    assert exc.value.code == "photo_too_big"
    assert "10 MB" in str(exc.value.message)
    assert Voice.objects.count() == 0 and media_files() == []


def test_exactly_10_mb_is_accepted():
    data = jpeg()
    exact = upload(data + b"\x00" * (PHOTO_MAX_BYTES - len(data)))
    assert photo_validate(exact) == "JPEG"


def test_more_than_five_photos_are_refused(desk):
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, photos=[upload(jpeg()) for _ in range(6)])
    assert exc.value.code == "too_many_photos"
    assert Voice.objects.count() == 0 and media_files() == []
    voice = submit(desk, photos=[upload(jpeg()) for _ in range(5)])
    assert voice.photos.count() == 5


def test_the_decompression_bomb_guard_is_on(desk, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40×40 = 1,600 pixels: a "bomb" at this limit
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, photos=[upload(jpeg(40, 40))])
    assert exc.value.code == "photo_too_many_pixels"
    assert Voice.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------------
# "Me too"


def test_me_too_counts_once_follows_and_tells_no_name(desk):
    voice = submit(desk, is_public=True)
    other = neighbour(desk)
    counted = voice_me_too(actor=other, voice=voice)
    assert counted.pk == voice.pk
    voice.refresh_from_db()
    assert voice.support_count == 2
    assert VoiceFollower.objects.get(voice=voice, user=other).kind == FollowKind.ME_TOO
    event = VoiceEvent.objects.get(voice=voice, kind=EventKind.ME_TOO)
    assert event.is_public and other.display_name not in event.actor_label + event.body
    assert AuditEvent.objects.filter(verb="voice.me_too", object_id=str(voice.pk)).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        voice_me_too(actor=other, voice=voice)
    assert exc.value.code == "already_me_too"
    voice.refresh_from_db()
    assert voice.support_count == 2


def test_me_too_on_ones_own_voice_is_refused(desk):
    voice = submit(desk, is_public=True)
    with pytest.raises(ValidationFailed) as exc:
        voice_me_too(actor=desk.resident, voice=voice)
    assert exc.value.code == "own_voice"
    voice.refresh_from_db()
    assert voice.support_count == 1 and not VoiceEvent.objects.filter(kind=EventKind.ME_TOO).exists()


def test_me_too_on_a_closed_voice_is_refused(desk):
    voice = close(desk, submit(desk, is_public=True))
    with pytest.raises(ValidationFailed) as exc:
        voice_me_too(actor=neighbour(desk), voice=voice)
    assert exc.value.code == "voice_closed"
    voice.refresh_from_db()
    assert voice.support_count == 1


def test_me_too_on_a_merged_duplicate_goes_to_the_voice_it_was_merged_into(desk):
    main = submit(desk, is_public=True, text="东门路灯坏了")
    dup = submit(desk, actor=neighbour(desk), is_public=True, text="东门的路灯不亮")
    merging.voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=dup, into=main)
    main.refresh_from_db()
    before = main.support_count
    third = factories.make_user(Role.RESIDENT, household=desk.site.households[2])
    counted = voice_me_too(actor=third, voice=dup)
    assert counted.pk == main.pk
    main.refresh_from_db()
    dup.refresh_from_db()
    assert main.support_count == before + 1
    assert VoiceFollower.objects.filter(voice=main, user=third, kind=FollowKind.ME_TOO).exists()
    assert not VoiceFollower.objects.filter(voice=dup, user=third).exists()


def test_me_too_on_an_invisible_voice_is_not_found(desk, other_desk):
    private = submit(desk)  # not public: a neighbour cannot see it
    public = submit(desk, is_public=True)
    with pytest.raises(NotFound):
        voice_me_too(actor=neighbour(desk), voice=private)
    with pytest.raises(NotFound):
        voice_me_too(actor=other_desk.resident, voice=public)
    assert VoiceFollower.objects.filter(kind=FollowKind.ME_TOO).count() == 0


# ---------------------------------------------------------------------------------------------------------------
# Rating


def test_the_reporter_rates_a_closed_voice_once(desk):
    voice = close(desk, submit(desk))
    rated = voice_rate(actor=desk.resident, voice=voice, rating=2, comment="灯还是一闪一闪")
    assert (rated.rating, rated.rating_comment) == (2, "灯还是一闪一闪")
    assert rated.rated_at is not None
    event = VoiceEvent.objects.get(voice=voice, kind=EventKind.RATED)
    assert event.is_public and "2/5" in event.body and "一闪" not in event.body
    assert AuditEvent.objects.filter(verb="voice.rate").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        voice_rate(actor=desk.resident, voice=voice, rating=5)
    assert exc.value.code == "already_rated"
    voice.refresh_from_db()
    assert voice.rating == 2


def test_rating_a_voice_that_is_not_closed_changes_nothing(desk):
    voice = submit(desk)
    with pytest.raises(ValidationFailed) as exc:
        voice_rate(actor=desk.resident, voice=voice, rating=5)
    assert exc.value.code == "not_closed"
    assert "办结" in str(exc.value.message)
    voice.refresh_from_db()
    assert voice.rating is None and not VoiceEvent.objects.filter(kind=EventKind.RATED).exists()
    assert not AuditEvent.objects.filter(verb="voice.rate").exists()


def test_a_merged_duplicate_is_not_rated(desk):
    main = submit(desk, is_public=True)
    dup = submit(desk, is_public=True, text="东门路灯也坏了")
    merging.voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=dup, into=main)
    with pytest.raises(ValidationFailed) as exc:
        voice_rate(actor=desk.resident, voice=dup, rating=3)
    assert exc.value.code == "not_closed"


@pytest.mark.parametrize("rating", [0, 6, None, "5"])
def test_a_rating_outside_1_to_5_is_refused(desk, rating):
    voice = close(desk, submit(desk))
    with pytest.raises(ValidationFailed) as exc:
        voice_rate(actor=desk.resident, voice=voice, rating=rating)
    assert exc.value.code == "bad_rating"
    assert exc.value.extra["field"] == "rating"
    voice.refresh_from_db()
    assert voice.rating is None


def test_only_the_reporter_rates_and_a_script_comment_is_refused(desk):
    voice = close(desk, submit(desk, is_public=True))
    with pytest.raises(PermissionDenied) as exc:
        voice_rate(actor=neighbour(desk), voice=voice, rating=5)
    assert exc.value.code == "not_reporter"
    with pytest.raises(ValidationFailed) as exc2:
        voice_rate(actor=desk.resident, voice=voice, rating=4, comment="<script>alert(1)</script>")
    assert exc2.value.code == "bad_text"
    voice.refresh_from_db()
    assert voice.rating is None


# ---------------------------------------------------------------------------------------------------------------
# Reopening


def test_the_reporter_reopens_once_with_a_reason(desk):
    voice = submit(desk)  # lighting in building 1 → 花园物业
    Voice.objects.filter(pk=voice.pk).update(
        reminded_at=timezone.now(), escalated_at=timezone.now(), due_at=timezone.now() - datetime.timedelta(days=9)
    )
    voice = close(desk, voice)
    reopened = voice_reopen(actor=desk.resident, voice=voice, reason="换了灯泡第二天又不亮了")
    reopened.refresh_from_db()
    assert (reopened.status, reopened.is_open, reopened.reopen_count) == ("in_progress", True, 1)
    assert reopened.reopen_reason == "换了灯泡第二天又不亮了"
    assert reopened.reminded_at is None and reopened.escalated_at is None and reopened.closed_at is None
    assert reopened.due_at is not None and reopened.due_at > timezone.now()
    event = VoiceEvent.objects.get(voice=voice, kind=EventKind.REOPENED)
    assert event.is_public and event.body == "换了灯泡第二天又不亮了"
    assert (event.from_status, event.to_status) == ("resolved", "in_progress")
    assert AuditEvent.objects.filter(verb="voice.reopen", object_id=str(voice.pk)).count() == 1


def test_the_responsible_party_is_told_of_a_reopening(desk, django_capture_on_commit_callbacks):
    voice = close(desk, submit(desk))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # delivery runs on commit
        voice_reopen(actor=desk.resident, voice=voice, reason="又坏了")
    told = Notification.objects.filter(kind="voice.reopened")
    assert set(told.values_list("user_id", flat=True)) == {desk.staff[Role.PROPERTY].pk}
    assert told.get().url == f"/c/{desk.site.community.pk}/voices/{voice.pk}/"


def test_a_second_reopen_is_refused(desk):
    voice = close(desk, submit(desk))
    voice_reopen(actor=desk.resident, voice=voice, reason="又坏了")
    with pytest.raises(ValidationFailed) as exc:  # still open again
        voice_reopen(actor=desk.resident, voice=voice, reason="还是坏的")
    assert exc.value.code == "already_reopened"
    voice = close(desk, Voice.objects.get(pk=voice.pk))
    with pytest.raises(ValidationFailed) as exc:  # closed a second time
        voice_reopen(actor=desk.resident, voice=voice, reason="还是坏的")
    assert exc.value.code == "already_reopened"
    voice.refresh_from_db()
    assert (voice.reopen_count, voice.status) == (1, "resolved")
    assert VoiceEvent.objects.filter(kind=EventKind.REOPENED).count() == 1


def test_the_database_refuses_a_second_reopening_too(desk):
    voice = submit(desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voice.objects.filter(pk=voice.pk).update(reopen_count=2)


def test_a_reopen_after_the_window_is_refused(desk):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        voice = close(desk, submit(desk))
    late = datetime.datetime(2026, 3, 9, 9, 0, 1, tzinfo=datetime.UTC)
    with time_machine.travel(late, tick=False), pytest.raises(ValidationFailed) as exc:
        voice_reopen(actor=desk.resident, voice=voice, reason="又坏了")
    assert exc.value.code == "reopen_window_passed"
    assert "7" in str(exc.value.message)
    voice.refresh_from_db()
    assert (voice.status, voice.is_open, voice.reopen_count) == ("resolved", False, 0)
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, 0, 0, tzinfo=datetime.UTC), tick=False):
        assert voice_reopen(actor=desk.resident, voice=voice, reason="又坏了").is_open


@pytest.mark.parametrize(
    ("reason", "code"), [("", "reason_required"), ("   ", "reason_required"), ("<b>x</b>", "bad_text")]
)
def test_a_reopen_needs_a_plain_reason(desk, reason, code):
    voice = close(desk, submit(desk))
    with pytest.raises(ValidationFailed) as exc:
        voice_reopen(actor=desk.resident, voice=voice, reason=reason)
    assert exc.value.code == code
    voice.refresh_from_db()
    assert (voice.is_open, voice.reopen_count) == (False, 0)


def test_reopening_an_open_voice_or_someone_elses_is_refused(desk):
    voice = submit(desk, is_public=True)
    with pytest.raises(ValidationFailed) as exc:
        voice_reopen(actor=desk.resident, voice=voice, reason="想催一下")
    assert exc.value.code == "not_closed"
    close(desk, voice)
    with pytest.raises(PermissionDenied) as exc2:
        voice_reopen(actor=neighbour(desk), voice=voice, reason="我家也不亮")
    assert exc2.value.code == "not_reporter"
    voice.refresh_from_db()
    assert voice.reopen_count == 0


def test_a_reporter_who_rated_it_satisfied_cannot_reopen(desk):
    from gongzhi.voices.services import workflow

    s = desk.site
    voice = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.compound,
        category=desk.categories["refuse"],
        text="垃圾房满了",
    )
    workflow.voice_close(actor=desk.staff["secretary"], voice=voice, body="已清运")
    voice_rate(actor=desk.resident, voice=voice, rating=5)
    with pytest.raises(ValidationFailed) as exc:
        voice_reopen(actor=desk.resident, voice=voice, reason="又满了")
    assert exc.value.code == "rated_satisfied"
    voice.refresh_from_db()
    assert not voice.is_open and voice.reopen_count == 0


def test_after_a_reopen_the_resident_rates_the_final_outcome(desk):
    from gongzhi.voices.models import EventKind, VoiceEvent
    from gongzhi.voices.services import workflow

    s, secretary = desk.site, desk.staff["secretary"]
    voice = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.compound,
        category=desk.categories["refuse"],
        text="垃圾房满",
    )
    workflow.voice_close(actor=secretary, voice=voice, body="已清运")
    voice_rate(actor=desk.resident, voice=voice, rating=2, comment="没清干净")
    voice_reopen(actor=desk.resident, voice=voice, reason="还有一半没运走")
    voice.refresh_from_db()
    assert voice.rating == 2 and voice.is_open  # the unhappy rating counts until the final one replaces it
    workflow.voice_close(actor=secretary, voice=voice, body="已全部清运")
    voice_rate(actor=desk.resident, voice=voice, rating=5)
    voice.refresh_from_db()
    assert voice.rating == 5
    rated = list(VoiceEvent.objects.filter(voice=voice, kind=EventKind.RATED).values_list("body", flat=True))
    assert len(rated) == 2 and "2" in rated[0] and "5" in rated[1]
