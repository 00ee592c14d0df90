"""Printing ballot sheets: the PDF of 1,000 households (one A4 page each, QR, embedded CJK subset), drawn from
in-memory rows so that only the drawing is measured. Prints a JSON line last."""

from __future__ import annotations

import datetime
import io
import json
import os
import secrets
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
# The app has no default key: a benchmark brings its own, made for this run.
os.environ.setdefault("GONGZHI_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from gongzhi.deliberation.models import Topic  # noqa: E402
from gongzhi.deliberation.printing import render_sheets  # noqa: E402
from gongzhi.deliberation.selectors.sheets import SheetRow  # noqa: E402
from gongzhi.places.models import Place  # noqa: E402

SHEETS = int(os.environ.get("BENCH_SHEETS", "1000"))
ROUNDS = 3


def rows(topic_id: int) -> list[SheetRow]:
    return [
        SheetRow(
            serial_no=f"T{topic_id}-{i:05d}",
            token=f"{i:032x}",
            household_id=i,
            address=f"花园颐院 {i // 40 + 1}栋 {i // 20 % 2 + 1}单元 {i % 20 // 2 + 1}0{i % 2 + 1}",
            area=Decimal("60.00") + i % 50,
            area_is_surveyed=i % 17 == 0,
            owner="张*",
        )
        for i in range(1, SHEETS + 1)
    ]


def main() -> None:
    now = timezone.now()
    community = Place(name="东环路社区", kind="community")
    topic = Topic(
        pk=42,
        title="花园颐院院落管理制度",
        matter="ordinary",
        procedure="owners",
        voting_opens_at=now,
        voting_closes_at=now + datetime.timedelta(days=7),
    )
    data = rows(topic.pk)
    seconds, size = [], 0
    for _ in range(ROUNDS):
        out = io.BytesIO()
        t0 = time.perf_counter()
        pages = render_sheets(
            out, community=community, topic=topic, rows=data, pages=len(data), entry_url="http://127.0.0.1/b", shares={}
        )
        seconds.append(time.perf_counter() - t0)
        size = len(out.getvalue())
        assert pages == SHEETS and out.getvalue().startswith(b"%PDF-") and b"/FontFile2" in out.getvalue()
    median = statistics.median(seconds)
    print(
        json.dumps(
            {
                "sheets": SHEETS,
                "seconds_median": round(median, 2),
                "seconds_runs": [round(s, 2) for s in seconds],
                "ms_per_sheet": round(1000 * median / SHEETS, 2),
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main()
