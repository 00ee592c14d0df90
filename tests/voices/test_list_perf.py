"""The voice lists at 100,000 voices (`bench/voices.py`): the inbox's counts and repeated-complaint groups and the
public list's count are cached per community data version and refresh once a change commits; "overdue" moves with
the clock without any write; a manager of the community gets the plain `community_id = …` set, equal to what
`visible_to` and the handling scope give; and on SQLite the list queries read the new indexes in order."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.voices.models import Voice
from gongzhi.voices.selectors import inbox as inbox_selectors
from gongzhi.voices.selectors import voices as voice_selectors
from gongzhi.voices.services.residents import voice_me_too
from gongzhi.voices.services.workflow import voice_close
from tests.conftest import login
from tests.queries import queries
from tests.voices.test_workflow import submit


def inbox_url(desk) -> str:
    return f"/c/{desk.site.community.pk}/voices/inbox/"


def figure(html: str, name: str) -> int:
    found = re.search(rf'id="count-{name}">(\d+)<', html)
    assert found, name
    return int(found.group(1))


def tab(html: str, status: str) -> int:
    found = re.search(rf'data-status="{status}">[^<]*?(\d+)</a>', html)
    assert found, status
    return int(found.group(1))


def committed(django_capture_on_commit_callbacks, action):  # type: ignore[no-untyped-def]
    """Runs a service as a request would: its on-commit hooks (the data-version bump) run."""
    with django_capture_on_commit_callbacks(execute=True):
        return action()


def test_inbox_counts_are_cached_and_refresh_after_a_committed_close(desk, django_capture_on_commit_callbacks):
    voices = [committed(django_capture_on_commit_callbacks, lambda: submit(desk)) for _ in range(3)]
    client = login(desk.staff[Role.SECRETARY])
    html = client.get(inbox_url(desk)).content.decode()
    assert figure(html, "open") == 3 and tab(html, "pending") == 3 and tab(html, "resolved") == 0
    with queries() as first:
        client.get(inbox_url(desk))
    # Cached: a bare UPDATE (no service, no commit hook) is not seen, and the page costs fewer queries.
    Voice.objects.filter(pk=voices[0].pk).update(is_open=False, status="resolved")
    with queries() as cached:
        html = client.get(inbox_url(desk)).content.decode()
    assert figure(html, "open") == 3 and len(cached.captured_queries) == len(first.captured_queries)
    Voice.objects.filter(pk=voices[0].pk).update(is_open=True, status="pending")
    committed(
        django_capture_on_commit_callbacks,
        lambda: voice_close(actor=desk.staff[Role.SECRETARY], voice=voices[1], body="已修好"),
    )
    html = client.get(inbox_url(desk)).content.decode()
    assert figure(html, "open") == 2 and tab(html, "pending") == 2 and tab(html, "resolved") == 1


def test_counts_are_per_scope_not_shared_with_a_narrower_inbox(desk, django_capture_on_commit_callbacks):
    s = desk.site
    committed(django_capture_on_commit_callbacks, lambda: submit(desk))  # parking, building 1 → 物业
    committed(django_capture_on_commit_callbacks, lambda: submit(desk, category="refuse", place=s.buildings[1]))
    assert figure(login(desk.staff[Role.SECRETARY]).get(inbox_url(desk)).content.decode(), "open") == 2
    assert figure(login(desk.staff[Role.SOCIAL_WORKER]).get(inbox_url(desk)).content.decode(), "open") == 2
    assert figure(login(desk.staff[Role.PROPERTY]).get(inbox_url(desk)).content.decode(), "open") == 1
    assert figure(login(desk.staff[Role.GRID_WORKER]).get(inbox_url(desk)).content.decode(), "open") == 1


def test_overdue_moves_with_the_clock_without_a_write(desk, django_capture_on_commit_callbacks):
    voice = committed(django_capture_on_commit_callbacks, lambda: submit(desk))
    soon = timezone.now() + datetime.timedelta(minutes=2)  # well within the cache's TTL
    Voice.objects.filter(pk=voice.pk).update(due_at=soon)
    from gongzhi.core.audit import bump_version

    bump_version(desk.site.community.pk)  # what the committed change of a deadline does
    client = login(desk.staff[Role.SECRETARY])
    assert figure(client.get(inbox_url(desk)).content.decode(), "overdue") == 0
    with time_machine.travel(soon + datetime.timedelta(minutes=1), tick=False):
        html = client.get(inbox_url(desk)).content.decode()
        assert figure(html, "overdue") == 1 and figure(html, "open") == 1
        assert figure(client.get(inbox_url(desk), {"overdue": "1"}).content.decode(), "overdue") == 1


def test_repeated_complaint_groups_refresh_after_a_committed_submit(desk, django_capture_on_commit_callbacks):
    s = desk.site
    for i in range(2):
        committed(
            django_capture_on_commit_callbacks,
            lambda i=i: submit(desk, text=f"垃圾房第{i}次满了", category="refuse", place=s.buildings[1]),
        )
    client = login(desk.staff[Role.SECRETARY])
    assert "2条，2人反映" in client.get(inbox_url(desk)).content.decode()
    committed(
        django_capture_on_commit_callbacks,
        lambda: submit(desk, text="垃圾房又满了", category="refuse", place=s.buildings[1]),
    )
    assert "3条，3人反映" in client.get(inbox_url(desk)).content.decode()


def test_public_list_count_refreshes_after_a_committed_submit(desk, django_capture_on_commit_callbacks):
    from django.test import Client

    url = f"/c/{desk.site.community.pk}/voices/public/"
    for i in range(25):
        committed(django_capture_on_commit_callbacks, lambda i=i: submit(desk, text=f"第{i}盏路灯", is_public=True))
    html = Client().get(url).content.decode()
    assert html.count('data-voice="') == 25 and 'class="pager"' not in html
    committed(django_capture_on_commit_callbacks, lambda: submit(desk, text="第26盏路灯", is_public=True))
    html = Client().get(url).content.decode()
    assert "1 / 2" in html and "第26盏路灯" in html
    assert Client().get(url, {"page": "2"}).content.decode().count('data-voice="') == 1


def test_a_managers_set_is_the_visible_and_handled_set(desk, other_desk):
    s = desk.site
    mine = [
        submit(desk),
        submit(desk, category="refuse", place=s.buildings[1], is_public=True),
        submit(desk, category="security", place=s.units[0]),
    ]
    submit(other_desk)
    community = s.community
    for role in (Role.SECRETARY, Role.SOCIAL_WORKER, Role.PROPERTY, Role.GRID_WORKER, Role.BUILDING_HEAD):
        actor = desk.staff[role]
        listed = set(
            inbox_selectors.inbox_list(actor=actor, community=community, filters=inbox_selectors.InboxFilters())
        )
        q = inbox_selectors.handling_q(actor)
        expected = set(Voice.objects.visible_to(actor).filter(q, community_id=community.pk)) if q else set()
        assert listed == expected, role
    assert {v.pk for v in Voice.objects.filter(community_id=community.pk)} == {v.pk for v in mine}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_list_queries_read_the_indexes_in_order(desk):
    """At 100,000 voices a sort of the visible set is what made the lists slow: the plans must not sort."""
    submit(desk, is_public=True)
    actor, community = desk.staff[Role.SECRETARY], desk.site.community
    inbox = inbox_selectors.inbox_list(actor=actor, community=community, filters=inbox_selectors.InboxFilters())
    public = voice_selectors.public_voices(community=community)
    for qs, index in ((inbox, "voice_community_created"), (public, "voice_public_created")):
        sql, params = qs[:25].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        assert index in plan and "TEMP B-TREE" not in plan, plan


def test_my_voices_are_mine_and_followed_in_this_community_only(desk, other_desk):
    resident = desk.resident
    own = submit(desk)
    followed = submit(desk, text="别人反映的路灯", actor=desk.staff[Role.SECRETARY], is_public=True)
    voice_me_too(actor=resident, voice=followed)
    elsewhere = submit(other_desk)
    Voice.objects.filter(pk=elsewhere.pk).update(reporter=resident)  # mine, but in another community
    submit(desk, text="邻居的私事", actor=desk.staff[Role.SECRETARY])
    listed = {v.pk for v in voice_selectors.my_voices(actor=resident, community=desk.site.community)}
    assert listed == {own.pk, followed.pk}
    api = inbox_selectors.api_voice_list(
        actor=resident, community=desk.site.community, filters=inbox_selectors.InboxFilters()
    )
    assert {v.pk for v in api} == {own.pk, followed.pk}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_my_voices_read_the_reporters_index_not_the_community(desk):
    submit(desk)
    qs = voice_selectors.my_voices(actor=desk.resident, community=desk.site.community)
    sql, params = qs[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "voice_reporter_community" in plan and "PRIMARY KEY" in plan, plan
