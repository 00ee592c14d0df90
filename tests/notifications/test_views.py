"""The inbox page, read marks and the header badge."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.notifications.models import Notification
from tests import factories
from tests.conftest import login
from tests.queries import queries


def give(user, community, n=1, **extra):
    return [
        Notification.objects.create(community=community, user=user, kind="t", title=f"消息{i}", url="/me/", **extra)
        for i in range(n)
    ]


@pytest.fixture
def me(site):
    return factories.make_user("resident", household=site.households[0])


@pytest.fixture
def neighbour(site):
    return factories.make_user("resident", household=site.households[1])


def test_anonymous_is_sent_to_log_in(db):
    client = Client()
    for url in [reverse("notifications:list"), reverse("notifications:read_all")]:
        response = client.get(url) if url.endswith("notifications/") else client.post(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_list_shows_only_mine_unread_first(site, me, neighbour):
    from django.utils import timezone

    read = Notification.objects.create(
        community=site.community, user=me, kind="t", title="已读的", read_at=timezone.now()
    )
    unread = Notification.objects.create(community=site.community, user=me, kind="t", title="未读的")
    give(neighbour, site.community)
    response = login(me).get(reverse("notifications:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("未读的") < html.index("已读的")
    assert "消息0" not in html  # the neighbour's
    assert f'id="notification-{unread.pk}"' in html and f'id="notification-{read.pk}"' in html
    assert 'data-unread="1"' in html  # the header badge


def test_mark_one_read_and_someone_elses_is_404(site, me, neighbour):
    (mine,) = give(me, site.community)
    (theirs,) = give(neighbour, site.community)
    client = login(me)
    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(reverse("notifications:read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_with_htmx_returns_the_row(site, me):
    (mine,) = give(me, site.community)
    response = login(me).post(reverse("notifications:read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{mine.pk}"' in html and 'notification read"' in html


def test_open_goes_to_the_local_url_only(site, me):
    (local,) = give(me, site.community)
    evil = Notification.objects.create(
        community=site.community, user=me, kind="t", title="x", url="https://evil.example/"
    )
    client = login(me)
    assert client.post(reverse("notifications:open", args=[local.pk]))["Location"] == "/me/"
    assert client.post(reverse("notifications:open", args=[evil.pk]))["Location"] == reverse("notifications:list")
    evil.refresh_from_db()
    assert evil.read_at is not None


def test_read_all_touches_only_mine(site, me, neighbour):
    give(me, site.community, 3)
    give(neighbour, site.community, 2)
    response = login(me).post(reverse("notifications:read_all"), follow=True)
    assert "已将 3 条消息标为已读" in response.content.decode()
    assert Notification.objects.filter(user=me, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=neighbour, read_at__isnull=True).count() == 2


@pytest.mark.parametrize("rows", [1, 25])
def test_the_list_query_count_does_not_grow(site, me, rows):
    give(me, site.community, rows)
    client = login(me)
    client.get(reverse("notifications:list"))  # warm the session
    # the user, the page's count and rows, the header's unread count
    with queries(4):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.content.decode().count('notification unread"') == rows


def test_the_badge_costs_no_query_for_anonymous(db):
    from django.test import RequestFactory

    from gongzhi.notifications.context_processors import unread

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with queries(0):
        assert unread(request) == {}


def test_the_badge_is_one_query_and_counts_unread_only(site, me):
    from django.test import RequestFactory
    from django.utils import timezone

    from gongzhi.notifications.context_processors import unread

    give(me, site.community, 2)
    give(me, site.community, 1, read_at=timezone.now())
    request = RequestFactory().get("/")
    request.user = me
    context = unread(request)
    with queries(1):
        assert str(context["unread_notifications"]) == "2"
        assert bool(context["unread_notifications"])
