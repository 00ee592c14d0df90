"""Demo 社情民意: 花园颐院's 双找 survey and courtyard meetings, and a year of 瀝雄 voices."""

from __future__ import annotations

from gongzhi.places.models import Place


def load_voices_demo(*, street: Place, password: str) -> int:
    """Idempotent; returns the number of voices made. Skeleton: the demo part fills it."""
    return 0
