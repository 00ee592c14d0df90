"""The topic row as the lock of a topic's writes: every service that changes a topic or what hangs on it starts
here, so two staff acting on one topic queue instead of racing."""

from __future__ import annotations

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import User
from gongzhi.deliberation.models import Topic
from gongzhi.deliberation.predicates import can_manage_topic


def topic_lock(topic: Topic) -> Topic:
    """The topic as it is now, locked FOR UPDATE until the transaction ends (call inside one)."""
    locked: Topic = Topic.objects.select_for_update().get(pk=topic.pk)
    return locked


def topic_lock_for_manager(actor: User, topic: Topic) -> Topic:
    """The locked topic, when the actor manages it; 403 otherwise."""
    topic = topic_lock(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied()
    return topic
