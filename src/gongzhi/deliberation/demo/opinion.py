"""Demo opinion-map topic with a few hundred synthetic voters."""

from __future__ import annotations

from gongzhi.places.models import Place


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
