"""东环路's time bank, part by part, in the order each needs the one before (the random draws follow that order)."""

from __future__ import annotations

from gongzhi.demo.timebank.common import Community
from gongzhi.demo.timebank.donghuanlu.activities import activities
from gongzhi.demo.timebank.donghuanlu.exchange import exchange
from gongzhi.demo.timebank.donghuanlu.spending import spending
from gongzhi.demo.timebank.donghuanlu.volunteers import volunteers
from gongzhi.places.models import Place


def build_donghuanlu(c: Community, caotanglu: Place | None) -> dict[str, int]:
    d = volunteers(c, caotanglu)
    activities(d)
    exchange(d)
    return spending(d)
