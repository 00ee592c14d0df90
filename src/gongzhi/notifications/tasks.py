"""Background delivery of the outbox."""

from __future__ import annotations

from django_tasks import task

from gongzhi.notifications import services


@task()
def outbox_deliver(message_ids: list[int]) -> None:
    services.outbox_send(message_ids=message_ids)
