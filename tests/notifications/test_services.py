"""The outbox: delivery on commit only, the in-app sender really delivers, dedupe, retries and failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from gongzhi.notifications import delivery, services
from gongzhi.notifications.models import Notification, OutboxMessage, OutboxStatus
from tests import factories


@pytest.fixture
def people(site):
    return [factories.make_user("resident", household=site.households[i]) for i in range(2)]


def test_in_app_delivery_happens_on_commit_only(site, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(users=people, community_id=site.community.pk, kind="t", title="你好", url="/x/")
    assert OutboxMessage.objects.count() == 2
    assert Notification.objects.count() == 0  # nothing delivered before the commit
    for callback in callbacks:
        callback()
    assert Notification.objects.count() == 2
    n = Notification.objects.get(user=people[0])
    assert n.title == "你好" and n.url == "/x/" and n.read_at is None and n.community_id == site.community.pk
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_tells_no_one(site, people):
    class Boom(Exception):
        pass

    def change() -> None:
        with transaction.atomic():
            services.notify(users=people, community_id=site.community.pk, kind="t", title="不会送达")
            raise Boom

    with pytest.raises(Boom):
        change()
    assert OutboxMessage.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_notify_is_delivered_by_the_task(site, people):
    with transaction.atomic():
        services.notify(users=people[:1], community_id=site.community.pk, kind="t", title="送达")
    assert Notification.objects.filter(user=people[0], title="送达").count() == 1


def test_each_user_once_and_dedupe(site, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            users=[people[0], people[0].pk, people[1], None],
            community_id=site.community.pk,
            kind="t",
            title="a",
            dedupe_key="k1",
        )
        again = services.notify(users=people, community_id=site.community.pk, kind="t", title="a", dedupe_key="k1")
    assert again == []
    assert Notification.objects.count() == 2


class Flaky:
    channel = "flaky"

    def __init__(self, fail_times: int):
        self.left = fail_times
        self.sent: list[int] = []

    def send(self, message):
        if self.left:
            self.left -= 1
            raise ConnectionError("网关超时")
        self.sent.append(message.pk)


def test_an_unknown_channel_fails_and_retries_until_given_up(site, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (msg,) = services.notify(
            users=people[:1], community_id=site.community.pk, kind="t", title="短信", channels=("sms",)
        )
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING and msg.attempts == 1
    assert "no sender" in msg.last_error and msg.next_attempt_at is not None
    now = timezone.now()
    # Not retried before its back-off has passed.
    assert delivery.outbox_retry_due(now=now) == 0
    msg.refresh_from_db()
    assert msg.attempts == 1
    for i in range(2, delivery.MAX_ATTEMPTS + 1):
        now += timedelta(hours=2)
        delivery.outbox_retry_due(now=now)
        msg.refresh_from_db()
        assert msg.attempts == i
    assert msg.status == OutboxStatus.FAILED and msg.next_attempt_at is None
    assert delivery.outbox_retry_due(now=now + timedelta(days=1)) == 0
    msg.refresh_from_db()
    assert msg.attempts == delivery.MAX_ATTEMPTS
    assert Notification.objects.count() == 0


def test_a_flaky_sender_succeeds_on_retry(site, people, django_capture_on_commit_callbacks, monkeypatch):
    flaky = Flaky(fail_times=1)
    monkeypatch.setitem(delivery._SENDERS, "flaky", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        (msg,) = services.notify(
            users=people[:1], community_id=site.community.pk, kind="t", title="x", channels=("flaky",)
        )
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING and "网关超时" in msg.last_error
    assert delivery.outbox_retry_due(now=timezone.now() + delivery.retry_delay(1) + timedelta(seconds=1)) == 1
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT and flaky.sent == [msg.pk] and msg.attempts == 2
    # Sent messages are not sent again.
    assert delivery.outbox_send(message_ids=[msg.pk]) == 0
    assert flaky.sent == [msg.pk]


def test_the_in_app_sender_is_idempotent(site, people):
    msg = OutboxMessage.objects.create(community=site.community, user=people[0], kind="t", title="x")
    sender = delivery.sender_for("in_app")
    assert sender is not None
    sender.send(msg)
    sender.send(msg)
    assert Notification.objects.filter(outbox=msg).count() == 1


def test_a_sender_must_have_a_channel_and_send():
    class NoSend:
        channel = "x"

    with pytest.raises(TypeError):
        delivery.sender_register(NoSend())  # type: ignore[arg-type]


def test_back_off_grows():
    assert [delivery.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 4, 16, 64]


def test_read_marks(site, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=people, community_id=site.community.pk, kind="t", title="a")
        services.notify(users=people[:1], community_id=site.community.pk, kind="t", title="b")
    mine = Notification.objects.filter(user=people[0]).order_by("id")
    theirs = Notification.objects.get(user=people[1])
    from gongzhi.core.errors import NotFound

    with pytest.raises(NotFound):
        services.notification_read(actor=people[0], notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    services.notification_read(actor=people[0], notification_id=mine[0].pk)
    assert services.notifications_read_all(actor=people[0]) == 1
    assert not Notification.objects.filter(user=people[0], read_at__isnull=True).exists()
    assert Notification.objects.filter(user=people[1], read_at__isnull=True).count() == 1
