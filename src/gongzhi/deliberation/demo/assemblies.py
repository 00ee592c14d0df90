"""Demo: a 秦巷村 villagers' representatives meeting (article 000) deciding a topic by the votes of those present."""

from __future__ import annotations

from gongzhi.places.models import Place


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
