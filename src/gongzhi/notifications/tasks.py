"""Background delivery of the outbox."""

from __future__ import annotations

from django_tasks import task

from gongzhi.notifications import delivery


@task()
def outbox_deliver(message_ids: list[int]) -> int:
    """Sends the messages just queued; a failure stays pending and `outbox_retry_due` retries it later."""
    return delivery.outbox_send(message_ids=message_ids)


@task()
def outbox_retry() -> int:
    return delivery.outbox_retry_due()
