"""团队共创 writes: ideas, clusters, dot votes, the action plan."""

from __future__ import annotations

from typing import Any

from gongzhi.deliberation.models import Topic

__all__: list[str] = []


def on_decide(*, actor: Any, topic: Topic) -> None:
    """Called by topic_decide inside its transaction, with the topic locked: checks that this procedure may be
    decided now and freezes its outcome into topic.result (saved by topic_decide)."""
