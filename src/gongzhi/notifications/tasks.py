"""Background delivery of the outbox."""

from __future__ import annotations

from django_tasks import task

from gongzhi.notifications import services


@task()
def outbox_deliver(message_ids: list[int]) -> int:
    """Sends the messages just queued; a failure stays pending and `outbox_retry_due` retries it later."""
    return services.outbox_send(message_ids=message_ids)


@task()
def outbox_retry() -> int:
    return services.outbox_retry_due()
