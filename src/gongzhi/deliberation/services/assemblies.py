"""Decisions at a meeting (议事会, 村民会议, 村民代表会议): rosters, resolutions with recorded votes, quorums."""

from __future__ import annotations

from typing import Any

from gongzhi.deliberation.models import Topic

__all__: list[str] = []


def on_decide(*, actor: Any, topic: Topic) -> None:
    """Called by topic_decide inside its transaction, with the topic locked: checks that this procedure may be
    decided now and freezes its outcome into topic.result (saved by topic_decide)."""
