"""The time bank's demo: 东环路's history at the article's scale, 杨西园村's cleaning roster and a 琼花观-style
training → haircut/bathing chain. Synthetic people only."""

from __future__ import annotations

from gongzhi.places.models import Place


def load_timebank_demo(*, street: Place, password: str) -> None:
    """Idempotent: does nothing when the time bank demo is already there."""
