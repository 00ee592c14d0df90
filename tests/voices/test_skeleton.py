"""The intake skeleton every part builds on: a resident's voice is routed by the most specific route."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.voices.models import Channel, Voice, VoiceEvent
from gongzhi.voices.services.intake import voice_submit


def test_resident_voice_goes_to_the_property_for_parking_in_the_compound(desk):
    s = desk.site
    voice = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.buildings[0],
        category=desk.categories["parking"],
        text="楼下消防通道晚上总是停满车",
    )
    assert voice.party == desk.property
    assert voice.grid_path == s.micro_grid.path
    assert voice.reporter == desk.resident and voice.is_open and voice.status == "pending"
    assert list(VoiceEvent.objects.filter(voice=voice).values_list("kind", flat=True)) == ["submitted", "assigned"]
    assert AuditEvent.objects.filter(verb="voice.submit", object_id=str(voice.pk)).count() == 1


def test_refuse_falls_back_to_the_committee_and_security_to_the_building_grid(desk):
    s = desk.site
    refuse = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.compound,
        category=desk.categories["refuse"],
        text="垃圾房满了",
    )
    security = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.units[0],
        category=desk.categories["security"],
        text="单元门禁坏了",
    )
    assert refuse.party == desk.committee
    assert security.party == desk.grid_party


def test_empty_or_scripted_text_changes_nothing(desk):
    s = desk.site
    for text, code in [("   ", "text_required"), ("<script>alert(1)</script>", "bad_text"), ("长" * 1001, "bad_text")]:
        with pytest.raises(ValidationFailed) as exc:
            voice_submit(
                actor=desk.resident,
                community=s.community,
                place=s.compound,
                category=desk.categories["refuse"],
                text=text,
            )
        assert exc.value.code == code
        assert "<" not in exc.value.message
    assert Voice.objects.count() == 0


def test_a_resident_of_another_community_cannot_file_here(desk, other_desk):
    with pytest.raises(PermissionDenied):
        voice_submit(
            actor=other_desk.resident,
            community=desk.site.community,
            place=desk.site.compound,
            category=desk.categories["refuse"],
            text="垃圾房满了",
        )
    with pytest.raises(PermissionDenied):
        voice_submit(
            actor=desk.resident,
            community=desk.site.community,
            place=desk.site.compound,
            category=desk.categories["refuse"],
            text="代登记",
            channel=Channel.HOTLINE,
        )
    assert Voice.objects.count() == 0


def test_visibility_by_role(desk, other_desk):
    from gongzhi.core.roles import Role

    s = desk.site
    parking = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.buildings[1],
        category=desk.categories["parking"],
        text="车位",
    )
    public = voice_submit(
        actor=desk.resident,
        community=s.community,
        place=s.compound,
        category=desk.categories["refuse"],
        text="垃圾",
        is_public=True,
    )
    seen = {name: set(Voice.objects.visible_to(user).values_list("pk", flat=True)) for name, user in desk.staff.items()}
    assert seen[Role.SECRETARY] == {parking.pk, public.pk}
    assert seen[Role.PROPERTY] == {parking.pk, public.pk}  # assigned parking; the public one as a community member
    assert seen[Role.RESIDENT] == {parking.pk, public.pk}  # their own
    assert seen[Role.GRID_WORKER] == {public.pk}  # building 2 is outside the micro-grid; the public one
    other = {pk for u in other_desk.staff.values() for pk in Voice.objects.visible_to(u).values_list("pk", flat=True)}
    assert other == set()
