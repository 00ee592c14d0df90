"""Demo meetings: 花园颐院 坝坝会 minutes (article 001) and a 秦巷村 villagers' representatives meeting (000)."""

from __future__ import annotations

from gongzhi.places.models import Place


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
