"""The inbox workflow: accept, assign, reply, statuses, close, reject, merge, promote, meeting suggestions.

Every state is reached through services; each bad input is checked for its code and for changing nothing."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.notifications.models import Notification
from gongzhi.voices.models import Channel, CustomStatus, FollowKind, Party, PartyKind, Voice, VoiceEvent, VoiceFollower
from gongzhi.voices.predicates import can_handle, can_manage
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.merging import voice_from_suggestion, voice_merge, voice_promote_topic
from gongzhi.voices.services.residents import voice_me_too
from gongzhi.voices.services.workflow import (
    custom_status_create,
    voice_accept,
    voice_assign,
    voice_close,
    voice_reject,
    voice_reply,
    voice_status_set,
)
from tests import factories


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Runs what a commit would: the outbox delivers in-app notifications (ImmediateBackend)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def submit(desk, *, text="楼下消防通道晚上总是停满车", category="parking", place=None, actor=None, **kw) -> Voice:
    s = desk.site
    return voice_submit(
        actor=actor or desk.resident,
        community=s.community,
        place=place or s.buildings[0],
        category=desk.categories[category],
        text=text,
        **kw,
    )


def kinds(voice: Voice, *, public_only: bool = False) -> list[str]:
    qs = VoiceEvent.objects.filter(voice=voice)
    if public_only:
        qs = qs.filter(is_public=True)
    return list(qs.values_list("kind", flat=True))


def audits(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


def notes_of(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


def snapshot(voice: Voice) -> tuple:
    voice.refresh_from_db()
    return (
        voice.status,
        voice.is_open,
        voice.party_id,
        voice.closed_at,
        voice.merged_into_id,
        voice.support_count,
        VoiceEvent.objects.filter(voice=voice).count(),
    )


# --------------------------------------------------------------------------------------------------------------
# Predicates


def test_who_may_handle_and_manage(desk, other_desk):
    parking = submit(desk)  # → 花园物业
    refuse = submit(desk, category="refuse", place=desk.site.buildings[1])  # → 居委会, outside the micro-grid
    st = desk.staff
    assert can_manage(st[Role.SECRETARY], parking) and can_manage(st[Role.SOCIAL_WORKER], parking)
    assert not can_manage(st[Role.PROPERTY], parking) and not can_manage(st[Role.GRID_WORKER], parking)
    assert can_handle(st[Role.PROPERTY], parking) and not can_handle(st[Role.PROPERTY], refuse)
    assert can_handle(st[Role.GRID_WORKER], parking) and not can_handle(st[Role.GRID_WORKER], refuse)
    assert can_handle(st[Role.BUILDING_HEAD], parking) and not can_handle(st[Role.BUILDING_HEAD], refuse)
    assert not can_handle(st[Role.RESIDENT], parking) and not can_handle(st[Role.STREET_STAFF], parking)
    assert not any(can_handle(u, parking) for u in other_desk.staff.values())


# --------------------------------------------------------------------------------------------------------------
# Accept, assign, reply


def test_accept_sets_first_response_and_tells_the_reporter(desk, deliver):
    voice = submit(desk)
    with deliver():
        voice_accept(actor=desk.staff[Role.PROPERTY], voice=voice, note="已安排保安夜间巡查")
    voice.refresh_from_db()
    assert voice.status == "accepted" and voice.accepted_at and voice.first_response_at == voice.accepted_at
    event = VoiceEvent.objects.get(voice=voice, kind="accepted")
    assert event.is_public and event.actor_label == "花园物业" and event.body == "已安排保安夜间巡查"
    assert audits("voice.accept") == 1
    assert notes_of(desk.resident, "voice.update")
    with pytest.raises(PhaseClosed) as exc:
        voice_accept(actor=desk.staff[Role.PROPERTY], voice=voice)
    assert exc.value.code == "already_accepted"
    assert audits("voice.accept") == 1


def test_assign_then_reassign_needs_a_reason_and_tells_the_party(desk, deliver):
    voice = submit(desk, category="refuse")
    assert voice.party == desk.committee
    secretary = desk.staff[Role.SECRETARY]
    before = snapshot(voice)
    with pytest.raises(ValidationFailed) as exc:
        voice_assign(actor=secretary, voice=voice, party=desk.property, reason="  ")
    assert exc.value.code == "reason_required" and snapshot(voice) == before
    with pytest.raises(ValidationFailed) as exc:
        voice_assign(actor=secretary, voice=voice, party=desk.committee, reason="x")
    assert exc.value.code == "same_party"
    with deliver():
        voice_assign(actor=secretary, voice=voice, party=desk.property, reason="垃圾房归物业保洁")
    voice.refresh_from_db()
    assert voice.party == desk.property
    event = VoiceEvent.objects.get(voice=voice, kind="reassigned")
    assert event.is_public and event.actor_label == "花园物业" and event.body == "垃圾房归物业保洁"
    assert audits("voice.reassign") == 1
    note = notes_of(desk.staff[Role.PROPERTY], "voice.assigned")
    assert note and note[0].url.endswith(f"/voices/{voice.pk}/handle/")
    # The property user now handles it; the deadline was not restarted.
    assert can_handle(desk.staff[Role.PROPERTY], voice)


def test_assign_rejects_inactive_and_foreign_parties(desk, other_desk):
    voice = submit(desk, category="refuse")
    secretary = desk.staff[Role.SECRETARY]
    idle = Party.objects.create(community=desk.site.community, name="停用单位", kind=PartyKind.UTILITY, is_active=False)
    before = snapshot(voice)
    with pytest.raises(ValidationFailed) as exc:
        voice_assign(actor=secretary, voice=voice, party=idle, reason="试试")
    assert exc.value.code == "party_inactive"
    with pytest.raises(NotFound):
        voice_assign(actor=secretary, voice=voice, party=other_desk.property, reason="试试")
    assert snapshot(voice) == before


def test_only_managers_assign_and_others_are_refused_or_do_not_see(desk, other_desk):
    voice = submit(desk)
    with pytest.raises(PermissionDenied):  # sees it (assigned to their party) but may not reassign
        voice_assign(actor=desk.staff[Role.PROPERTY], voice=voice, party=desk.committee, reason="不归我们")
    with pytest.raises(NotFound):
        voice_assign(actor=other_desk.staff[Role.SECRETARY], voice=voice, party=desk.committee, reason="x")
    assert Voice.objects.get(pk=voice.pk).party == desk.property


def test_reply_public_moves_to_in_progress_and_internal_note_stays_internal(desk, deliver):
    voice = submit(desk)
    handler = desk.staff[Role.PROPERTY]
    with deliver():
        voice_reply(actor=handler, voice=voice, body="内部：已联系车主", is_public=False)
    voice.refresh_from_db()
    assert voice.status == "pending" and voice.first_response_at is None
    assert not notes_of(desk.resident, "voice.update")
    with deliver():
        voice_reply(actor=handler, voice=voice, body="已在通道口加装隔离桩")
    voice.refresh_from_db()
    assert voice.status == "in_progress" and voice.first_response_at is not None
    assert kinds(voice, public_only=True) == ["submitted", "assigned", "replied"]
    assert "note" in kinds(voice)
    assert audits("voice.note") == 1 and audits("voice.reply") == 1
    assert notes_of(desk.resident, "voice.update")


@pytest.mark.parametrize(
    ("body", "code"), [("", "body_required"), ("<script>alert(1)</script>", "bad_text"), ("长" * 1001, "bad_text")]
)
def test_bad_reply_changes_nothing(desk, body, code):
    voice = submit(desk)
    before = snapshot(voice)
    with pytest.raises(ValidationFailed) as exc:
        voice_reply(actor=desk.staff[Role.PROPERTY], voice=voice, body=body)
    assert exc.value.code == code and snapshot(voice) == before


def test_a_resident_who_sees_a_public_voice_may_not_handle_it(desk, other_desk):
    voice = submit(desk, is_public=True)
    neighbour = factories.make_user(Role.RESIDENT, household=desk.site.households[5])
    with pytest.raises(PermissionDenied) as exc:
        voice_reply(actor=neighbour, voice=voice, body="我来答复")
    assert "办理" in str(exc.value.message)
    with pytest.raises(NotFound):
        voice_reply(actor=other_desk.staff[Role.SECRETARY], voice=voice, body="我来答复")
    # A 物业 user on a voice not assigned to them does not see it at all.
    private = submit(desk, category="refuse", place=desk.site.buildings[1])
    with pytest.raises(NotFound):
        voice_reply(actor=desk.staff[Role.PROPERTY], voice=private, body="我来答复")
    assert VoiceEvent.objects.filter(kind="replied").count() == 0


# --------------------------------------------------------------------------------------------------------------
# Statuses, close, reject


def test_close_needs_a_reply_and_asks_followers_for_a_rating(desk, deliver):
    voice = submit(desk)
    metoo = factories.make_user(Role.RESIDENT, household=desk.site.households[2])
    VoiceFollower.objects.create(community=desk.site.community, voice=voice, user=metoo, kind=FollowKind.ME_TOO)
    handler = desk.staff[Role.PROPERTY]
    before = snapshot(voice)
    with pytest.raises(ValidationFailed) as exc:
        voice_close(actor=handler, voice=voice, body="")
    assert exc.value.code == "body_required" and snapshot(voice) == before
    with deliver():
        voice_close(actor=handler, voice=voice, body="已加装隔离桩，通道畅通")
    voice.refresh_from_db()
    assert voice.status == "resolved" and not voice.is_open and voice.closed_at and voice.first_response_at
    closed = VoiceEvent.objects.get(voice=voice, kind="closed")
    assert closed.is_public and closed.body == "已加装隔离桩，通道畅通" and closed.to_status == "resolved"
    for user in (desk.resident, metoo):
        [note] = notes_of(user, "voice.closed")
        assert "评价" in note.title
    with pytest.raises(PhaseClosed) as exc:
        voice_close(actor=handler, voice=voice, body="再办结一次")
    assert exc.value.code == "voice_closed"
    assert audits("voice.close") == 1


def test_reject_needs_a_public_reason_and_is_for_staff(desk, deliver):
    voice = submit(desk)
    with pytest.raises(PermissionDenied):
        voice_reject(actor=desk.staff[Role.PROPERTY], voice=voice, reason="不归物业管")
    before = snapshot(voice)
    with pytest.raises(ValidationFailed) as exc:
        voice_reject(actor=desk.staff[Role.SECRETARY], voice=voice, reason=" ")
    assert exc.value.code == "reason_required" and snapshot(voice) == before
    with deliver():
        voice_reject(actor=desk.staff[Role.SECRETARY], voice=voice, reason="属于市政道路，已告知12345")
    voice.refresh_from_db()
    assert voice.status == "rejected" and not voice.is_open and voice.public_reason == "属于市政道路，已告知12345"
    assert VoiceEvent.objects.get(voice=voice, kind="rejected").is_public
    assert notes_of(desk.resident, "voice.rejected")


def test_status_set_to_builtin_and_custom_statuses(desk, deliver):
    voice = submit(desk)
    handler = desk.staff[Role.PROPERTY]
    secretary = desk.staff[Role.SECRETARY]
    waiting = custom_status_create(
        actor=secretary, community=desk.site.community, code="owners", name="待业委会研究", is_open=True
    )
    custom_status_create(
        actor=secretary, community=desk.site.community, code="transferred", name="已转交街道", is_open=False
    )
    voice_status_set(actor=handler, voice=voice, status=Status_IN_PROGRESS)
    voice.refresh_from_db()
    assert voice.status == "in_progress" and voice.is_open and voice.first_response_at
    voice_status_set(actor=handler, voice=voice, status=waiting.code, body="下周业委会例会研究")
    voice.refresh_from_db()
    assert voice.status == "owners" and voice.is_open
    before = snapshot(voice)
    for status, code in [("resolved", "bad_status"), ("nonsense", "bad_status"), ("owners", "same_status")]:
        with pytest.raises(ValidationFailed) as exc:
            voice_status_set(actor=handler, voice=voice, status=status)
        assert exc.value.code == code
    with pytest.raises(ValidationFailed) as exc:  # a closed custom status needs the closing reply
        voice_status_set(actor=handler, voice=voice, status="transferred")
    assert exc.value.code == "body_required" and snapshot(voice) == before
    with deliver():
        voice_status_set(actor=handler, voice=voice, status="transferred", body="已转交街道城管科")
    voice.refresh_from_db()
    assert voice.status == "transferred" and not voice.is_open and voice.closed_at
    assert notes_of(desk.resident, "voice.closed")
    with pytest.raises(PhaseClosed) as exc:
        voice_status_set(actor=handler, voice=voice, status="in_progress")
    assert exc.value.code == "voice_closed"


Status_IN_PROGRESS = "in_progress"


def test_custom_status_bad_input(desk, other_desk):
    secretary = desk.staff[Role.SECRETARY]
    c = desk.site.community
    custom_status_create(actor=secretary, community=c, code="owners", name="待业委会研究", is_open=True)
    cases = [
        ({"code": "", "name": "甲"}, ValidationFailed, "code_required"),
        ({"code": "pending", "name": "甲"}, ValidationFailed, "status_code_builtin"),
        ({"code": "owners", "name": "乙"}, Duplicate, "status_code_taken"),
        ({"code": "other", "name": "待业委会研究"}, Duplicate, "status_name_taken"),
        ({"code": "中文", "name": "丙"}, ValidationFailed, "bad_code"),
        ({"code": "x", "name": ""}, ValidationFailed, "name_required"),
        ({"code": "y", "name": "<b>x</b>"}, ValidationFailed, "bad_text"),
    ]
    for kw, error, code in cases:
        with pytest.raises(error) as exc:
            custom_status_create(actor=secretary, community=c, is_open=True, **kw)
        assert exc.value.code == code, kw
    for user in (desk.staff[Role.PROPERTY], desk.staff[Role.GRID_WORKER], other_desk.staff[Role.SECRETARY]):
        with pytest.raises(PermissionDenied):
            custom_status_create(actor=user, community=c, code="z", name="丁", is_open=True)
    assert CustomStatus.objects.count() == 1


# --------------------------------------------------------------------------------------------------------------
# Merge


def test_merge_keeps_every_reporter_informed_and_counts_support(desk, deliver):
    s = desk.site
    other_reporter = factories.make_user(Role.RESIDENT, household=s.households[3])
    metoo = factories.make_user(Role.RESIDENT, household=s.households[4])
    into = submit(desk, text="消防通道被占")
    duplicate = submit(desk, text="消防通道停满车", actor=other_reporter, is_public=True)
    voice_me_too(actor=metoo, voice=duplicate)
    duplicate.refresh_from_db()
    assert duplicate.support_count == 2
    with deliver():
        result = voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=duplicate, into=into, reason="同一通道")
    assert result.pk == into.pk
    into.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.status == "merged" and not duplicate.is_open and duplicate.merged_into == into
    assert into.support_count == 3 and into.is_open
    followers = dict(VoiceFollower.objects.filter(voice=into).values_list("user_id", "kind"))
    assert followers == {desk.resident.pk: "reporter", other_reporter.pk: "merged", metoo.pk: "merged"}
    assert kinds(duplicate)[-1] == "merged" and kinds(into)[-1] == "merged"
    assert "共3人反映" in VoiceEvent.objects.filter(voice=into, kind="merged").get().body
    for user in (other_reporter, metoo):
        [note] = notes_of(user, "voice.merged")
        assert f"#{into.pk}" in note.title
    assert audits("voice.merge") == 1
    # A later "me too" on the merged duplicate counts on the voice it went into.
    late = factories.make_user(Role.RESIDENT, household=s.households[5])
    counted = voice_me_too(actor=late, voice=duplicate)
    into.refresh_from_db()
    assert counted.pk == into.pk and into.support_count == 4
    # Everyone who followed the duplicate now hears when the merged voice closes.
    with deliver():
        voice_close(actor=desk.staff[Role.PROPERTY], voice=into, body="已处理")
    for user in (desk.resident, other_reporter, metoo, late):
        assert notes_of(user, "voice.closed")


def test_merge_counts_a_person_who_raised_both_voices_once(desk):
    s = desk.site
    neighbour = factories.make_user(Role.RESIDENT, household=s.households[3])
    into = submit(desk, text="路灯不亮", is_public=True)
    duplicate = submit(desk, text="楼下路灯坏了", is_public=True)  # the same resident again
    voice_me_too(actor=neighbour, voice=into)
    voice_me_too(actor=neighbour, voice=duplicate)
    voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=duplicate, into=into)
    into.refresh_from_db()
    assert into.support_count == 2  # the resident and the neighbour, not 4
    assert VoiceFollower.objects.filter(voice=into).count() == 2


def test_merge_bad_cases_change_nothing(desk, other_desk):
    secretary = desk.staff[Role.SECRETARY]
    a, b, c, d = (submit(desk, text=f"第{i}条") for i in range(4))
    voice_close(actor=secretary, voice=c, body="已处理")
    voice_merge(actor=secretary, duplicate=d, into=a)
    foreign = submit(other_desk, text="别处的")
    before = [snapshot(v) for v in (a, b, c, d)]
    cases = [
        (b, b, ValidationFailed, "merge_self"),
        (b, c, PhaseClosed, "merge_into_closed"),
        (b, d, PhaseClosed, "merge_into_merged"),
        (d, b, PhaseClosed, "already_merged"),
        (c, b, PhaseClosed, "voice_closed"),
        (b, foreign, NotFound, "not_found"),
    ]
    for dup, into, error, code in cases:
        with pytest.raises(error) as exc:
            voice_merge(actor=secretary, duplicate=dup, into=into)
        assert exc.value.code == code
    with pytest.raises(PermissionDenied):
        voice_merge(actor=desk.staff[Role.PROPERTY], duplicate=b, into=a)
    assert [snapshot(v) for v in (a, b, c, d)] == before
    with pytest.raises(PhaseClosed) as exc:  # replying to a merged duplicate
        voice_reply(actor=secretary, voice=d, body="答复")
    assert exc.value.code == "voice_merged"


# --------------------------------------------------------------------------------------------------------------
# Promote and meetings


def test_promote_a_group_links_both_ways(desk):
    from gongzhi.deliberation.models import Topic

    s = desk.site
    a = submit(desk, text="1栋垃圾房太臭", category="refuse", place=s.units[0])
    b = submit(desk, text="垃圾房夏天有味道", category="refuse", place=s.units[1])
    topic = voice_promote_topic(actor=desk.staff[Role.SECRETARY], voices=[a, b], title="1栋垃圾房改造", summary="")
    assert isinstance(topic, Topic) and topic.place == s.buildings[0]
    assert set(topic.voices.values_list("pk", flat=True)) == {a.pk, b.pk}
    assert f"#{a.pk}" in topic.summary
    for v in (a, b):
        v.refresh_from_db()
        assert v.topic == topic and kinds(v)[-1] == "promoted"
    assert audits("voice.promote") == 1
    with pytest.raises(PhaseClosed) as exc:
        voice_promote_topic(actor=desk.staff[Role.SECRETARY], voices=[a], title="再转一次", summary="")
    assert exc.value.code == "already_promoted"
    c = submit(desk, text="另一处")
    with pytest.raises(PermissionDenied):
        voice_promote_topic(actor=desk.staff[Role.PROPERTY], voices=[c], title="物业提议", summary="")
    with pytest.raises(ValidationFailed) as exc:
        voice_promote_topic(actor=desk.staff[Role.SECRETARY], voices=[], title="空", summary="")
    assert exc.value.code == "no_voices"
    assert Topic.objects.count() == 1


def test_a_suggestion_becomes_a_voice_once(desk, other_desk):
    from gongzhi.deliberation.models import Meeting, Suggestion

    s = desk.site
    secretary = desk.staff[Role.SECRETARY]
    from django.utils import timezone

    meeting = Meeting.objects.create(
        community=s.community,
        place=s.compound,
        place_path=s.compound.path,
        kind="night_talk",
        title="院落夜话",
        starts_at=timezone.now(),
        location="小区广场",
        convened_by=secretary,
    )
    suggestion = Suggestion.objects.create(
        community=s.community, meeting=meeting, body="希望增加夜间照明", raised_by="王阿姨", entered_by=secretary
    )
    voice = voice_from_suggestion(actor=secretary, suggestion=suggestion, category=desk.categories["lighting"])
    assert voice.channel == Channel.MEETING and voice.meeting == meeting and voice.suggestion == suggestion
    assert voice.contact_name == "王阿姨" and voice.place == s.compound and voice.party == desk.property
    with pytest.raises(Duplicate) as exc:
        voice_from_suggestion(actor=secretary, suggestion=suggestion, category=desk.categories["lighting"])
    assert exc.value.code == "suggestion_done"
    other = Suggestion.objects.create(community=s.community, meeting=meeting, body="楼道灯坏了", entered_by=secretary)
    with pytest.raises(NotFound):
        voice_from_suggestion(
            actor=other_desk.staff[Role.SECRETARY], suggestion=other, category=desk.categories["lighting"]
        )
    assert Voice.objects.count() == 1


def test_hotline_entry_is_audited_on_behalf(desk):
    s = desk.site
    voice = voice_submit(
        actor=desk.staff[Role.SOCIAL_WORKER],
        community=s.community,
        place=s.buildings[1],
        category=desk.categories["refuse"],
        text="电话反映：垃圾房满了",
        channel=Channel.HOTLINE,
        contact_name="李大爷",
        contact_phone="13912345678",
        reporter_person=s.people[9],
    )
    assert voice.entered_by == desk.staff[Role.SOCIAL_WORKER] and voice.reporter is None
    assert AuditEvent.objects.get(verb="voice.submit", object_id=str(voice.pk)).on_behalf_of == "李大爷"
