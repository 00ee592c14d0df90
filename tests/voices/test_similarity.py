"""voices.similarity: the "me too" suggestion over a community's open, unmerged voices, by place subtree.

Voices are filed through `voice_submit` and closed or merged through the workflow services. Their on-commit
hook (`index_voice_changed`) does not run inside a test transaction unless captured, so a voice filed without
capturing stands for one filed by another process: only the watermark refresh can bring it in."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.voices import similarity
from gongzhi.voices.models import Voice
from gongzhi.voices.services import intake as intake_services
from gongzhi.voices.services.merging import voice_merge
from gongzhi.voices.services.workflow import voice_close
from gongzhi.voices.similarity import similar_open_voices
from tests.queries import queries

LAMP = "3栋2单元楼道灯坏了一个星期，晚上上楼看不见"
LAMP_QUERY = "楼道的灯坏了，晚上看不见"


def submit(desk, text=LAMP, *, place=None, category="lighting", actor=None):
    s = desk.site
    return intake_services.voice_submit(
        actor=actor or desk.resident,
        community=s.community,
        place=place or s.units[0],
        category=desk.categories[category],
        text=text,
    )


def similar(desk, text=LAMP_QUERY, *, place=None, k=5):
    s = desk.site
    return similar_open_voices(community_id=s.community.pk, place_path=(place or s.buildings[0]).path, text=text, k=k)


def test_finds_a_similar_open_voice_in_the_same_subtree(desk):
    s = desk.site
    voice = submit(desk)
    other = submit(desk, "垃圾房满了三天没人清理", category="refuse")
    assert similar(desk) == [voice.pk]
    assert similar(desk, place=s.units[0]) == [voice.pk]
    assert similar(desk, place=s.compound) == [voice.pk]
    assert similar(desk, place=s.community) == [voice.pk]
    assert similar(desk, "垃圾房满了", place=s.units[0]) == [other.pk]


def test_not_in_a_sibling_subtree(desk):
    s = desk.site
    neighbour_building = submit(desk, place=s.buildings[1])
    neighbour_unit = submit(desk, place=s.units[1])
    assert similar(desk, place=s.buildings[0]) == [neighbour_unit.pk]  # 1栋 2单元 is under 1栋
    assert similar(desk, place=s.units[0]) == []  # neither 2栋 nor the sibling 2单元
    assert similar(desk, place=s.buildings[1]) == [neighbour_building.pk]
    assert set(similar(desk, place=s.compound)) == {neighbour_building.pk, neighbour_unit.pk}


def test_a_voice_filed_for_the_whole_compound_concerns_every_building(desk):
    s = desk.site
    compound_wide = submit(desk, "小区垃圾房满了三天没人清理", place=s.compound, category="refuse")
    community_wide = submit(desk, "社区垃圾房满了没人清理，臭气熏天", place=s.community, category="refuse")
    assert set(similar(desk, "垃圾房满了没人清理", place=s.units[3])) == {compound_wide.pk, community_wide.pk}


def test_best_first_and_k_respected(desk):
    s = desk.site
    exact = submit(desk, "楼道灯坏了，晚上看不见")
    close = submit(desk, "楼道灯坏了好几天")
    submit(desk, "1单元楼道灯不亮，物业也不来修")
    for i in range(6):
        submit(desk, f"{i + 1}楼楼道灯坏了")
    hits = similar(desk, "楼道灯坏了，晚上看不见", place=s.units[0], k=3)
    assert len(hits) == 3
    assert hits[0] == exact.pk
    assert len(similar(desk, "楼道灯坏了", place=s.units[0], k=20)) == 9
    assert close.pk in similar(desk, "楼道灯坏了好几天", place=s.units[0], k=1)


def test_not_a_closed_voice(desk):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    voice_close(actor=desk.staff[Role.PROPERTY], voice=voice, body="已更换灯泡")
    assert similar(desk) == []


def test_not_a_merged_duplicate_but_the_voice_it_was_merged_into(desk):
    first = submit(desk)
    duplicate = submit(desk, "3栋2单元楼道灯坏了，晚上上楼看不见")
    assert set(similar(desk)) == {first.pk, duplicate.pk}
    voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=duplicate, into=first)
    assert similar(desk) == [first.pk]


def test_not_another_communitys_voice(desk, other_desk):
    other = submit(other_desk)
    assert similar(desk) == []
    assert similar(other_desk) == [other.pk]
    # The other community's place path does not let a search reach across either.
    assert (
        similar_open_voices(
            community_id=desk.site.community.pk, place_path=other_desk.site.buildings[0].path, text=LAMP_QUERY
        )
        == []
    )


def test_traditional_and_simplified_alike(desk):
    simplified = submit(desk, "拥有30年楼龄的小区里，围栏失修、路灯损坏", category="security")
    assert similar(desk, "圍欄失修、路燈損壞", place=desk.site.units[0]) == [simplified.pk]
    traditional = submit(desk, "協助社區推進瓦解傳銷團伙、安裝門禁", category="security")
    assert similar(desk, "推进瓦解传销团伙、安装门禁", place=desk.site.units[0]) == [traditional.pk]


def test_empty_punctuation_and_unrelated_text_give_nothing(desk):
    submit(desk)
    for text in ("", "   ", "，。！？"):
        with queries(0):
            assert similar(desk, text) == []
    assert similar(desk, "请问书法班什么时候开课") == []
    assert similar(desk, k=0) == []


def test_a_voice_filed_by_another_process_is_seen_on_the_next_search(desk):
    first = submit(desk)
    assert similar(desk) == [first.pk]  # the index is built
    later = submit(desk, "3栋楼道灯坏了一个星期，晚上上楼看不见")  # its on-commit hook does not run here
    assert set(similar(desk)) == {first.pk, later.pk}


def test_a_voice_closed_by_another_process_leaves_the_index(desk):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    Voice.objects.filter(pk=voice.pk).update(is_open=False, status="resolved", updated_at=timezone.now())
    assert similar(desk) == []
    entry = similarity._communities[desk.site.community.pk]
    assert str(voice.pk) not in entry.index


def test_a_voice_closed_without_touching_updated_at_is_still_never_suggested(desk):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    Voice.objects.filter(pk=voice.pk).update(is_open=False, status="resolved")  # no updated_at: the refresh misses it
    assert similar(desk) == []  # the database check catches it
    assert str(voice.pk) not in similarity._communities[desk.site.community.pk].index


def test_a_change_committed_late_within_the_lag_is_picked_up(desk):
    first = submit(desk)
    assert similar(desk) == [first.pk]
    newest = submit(desk, "垃圾房满了三天没人清理", category="refuse")
    assert similar(desk, "垃圾房满了") == [newest.pk]  # the watermark is now newest's updated_at
    late = submit(desk, "3栋楼道灯坏了一个星期，晚上上楼看不见")
    # Saved before the newest change but committed after the last look.
    Voice.objects.filter(pk=late.pk).update(updated_at=newest.updated_at - datetime.timedelta(seconds=30))
    assert set(similar(desk)) == {first.pk, late.pk}


def test_a_text_changed_elsewhere_is_reindexed(desk):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    Voice.objects.filter(pk=voice.pk).update(text="快递柜旁边的井盖松动了", updated_at=timezone.now())
    assert similar(desk) == []
    assert similar(desk, "井盖松动") == [voice.pk]


def test_the_on_commit_hook_applies_a_close_at_once(desk, django_capture_on_commit_callbacks):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    entry = similarity._communities[desk.site.community.pk]
    with django_capture_on_commit_callbacks(execute=True):
        voice_close(actor=desk.staff[Role.PROPERTY], voice=voice, body="已更换灯泡")
    assert str(voice.pk) not in entry.index
    with django_capture_on_commit_callbacks(execute=True):
        added = submit(desk, "3栋楼道灯坏了一个星期")
    assert str(added.pk) in entry.index


def test_the_hook_costs_nothing_before_any_search(desk):
    voice = submit(desk)
    similarity.reset()
    with queries(0):
        similarity.index_voice_changed(voice_id=voice.pk)


def test_cleared_state_or_cache_rebuilds_the_index(desk):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    similarity.reset()
    assert similar(desk) == [voice.pk]
    built = similarity._communities[desk.site.community.pk]
    cache.clear()  # a new generation: e.g. the test database was rolled back under the process
    assert similar(desk) == [voice.pk]
    assert similarity._communities[desk.site.community.pk] is not built


def test_stale_ids_from_a_rolled_back_database_are_dropped(desk):
    voice = submit(desk)
    assert similar(desk) == [voice.pk]
    entry = similarity._communities[desk.site.community.pk]
    entry.index.add("999999", LAMP)  # what an earlier test's rolled-back voice would leave behind
    entry.paths[999999] = desk.site.units[0].path
    assert similar(desk) == [voice.pk]
    assert "999999" not in entry.index


@pytest.mark.parametrize("rows", [1, 25])
def test_a_warm_search_costs_two_queries_whatever_the_size(desk, rows):
    for i in range(rows):
        submit(desk, f"{LAMP}，第{i}次反映")
    with queries(2):  # cold: one query builds the index, one checks the hits
        assert similar(desk)
    with queries(2):  # the refresh and the database check of the hits
        hits = similar(desk)
    assert len(hits) == min(rows, 5)
    with queries(1):  # no hits: only the refresh
        assert similar(desk, "请问书法班什么时候开课") == []


# --- PostgreSQL: real transactions from other connections -----------------------------------------------------


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_voice_committed_after_a_newer_change_was_seen_still_comes_in(desk, monkeypatch):
    _postgres_only()
    # The other "process": its on-commit hook must not reach this process's index.
    monkeypatch.setattr(similarity, "index_voice_changed", lambda *, voice_id: None)
    first = submit(desk)
    assert similar(desk) == [first.pk]
    saved, go = threading.Event(), threading.Event()
    late: list[Voice] = []

    def slow_transaction() -> None:
        try:
            with transaction.atomic():
                late.append(submit(desk, "3栋楼道灯坏了一个星期，晚上上楼看不见"))
                saved.set()
                go.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert saved.wait(10)
    # A newer change commits first and is seen: the watermark passes the late voice's updated_at.
    Voice.objects.filter(pk=first.pk).update(updated_at=timezone.now())
    assert similar(desk) == [first.pk]
    go.set()
    thread.join(10)
    assert late and late[0].updated_at < Voice.objects.get(pk=first.pk).updated_at
    assert set(similar(desk)) == {first.pk, late[0].pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_searches_racing_submissions_never_fail_and_end_up_complete(desk):
    _postgres_only()
    from tests.core.test_concurrency import race

    def work(i: int) -> object:
        if i % 2:
            return submit(desk, f"3栋楼道灯坏了一个星期，第{i}次反映").pk
        return similar(desk)

    results = race(8, work)
    assert not [r for r in results if isinstance(r, BaseException)]
    filed = {r for r in results if isinstance(r, int)}
    assert len(filed) == 4
    assert set(similar(desk, k=10)) == filed
