"""Demo meetings: 花园颐院 坝坝会 and 院落夜话 with their minutes and suggestions (article 001)."""

from __future__ import annotations

from gongzhi.places.models import Place


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
