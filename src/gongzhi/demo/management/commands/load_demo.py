"""`manage.py load_demo`: builds the synthetic demo street once and prints the demo logins."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.logins import demo_logins
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.demo.timebank.load import load_timebank_demo
from gongzhi.demo.voices.load import load_voices_demo


def _width(text: str) -> int:
    # CJK characters take two terminal columns; ljust alone would misalign the table.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(_pad(cell, w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )


class Command(BaseCommand):
    help = "载入演示数据（全部为虚构数据）；已载入时只列出演示账号。"
    # Only the models are needed; skipping the URL/template checks keeps the "already loaded" path fast.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=30000, help="瀝雄社区的居民人数（默认 30000）")
        parser.add_argument("--quiet", action="store_true", help="不输出")

    def handle(self, *args: Any, residents: int, quiet: bool, **options: Any) -> None:
        if residents < 100:
            raise CommandError("--residents 至少为 100")
        started = time.perf_counter()
        result = load_demo(residents_lixiong=residents)
        load_deliberation_demo(street=result.street, password=DEMO_PASSWORD)
        load_voices_demo(street=result.street, password=DEMO_PASSWORD)
        load_timebank_demo(street=result.street, password=DEMO_PASSWORD)
        if quiet:
            return
        if result.created:
            counts = "，".join(f"{k} {v}" for k, v in result.counts.items())
            self.stdout.write(self.style.SUCCESS(f"已载入演示数据：{counts}"))
        else:
            self.stdout.write("演示数据已存在，未作改动。")
        rows = [[d["phone"], d["password"], d["role_label"], d["community"], d["note"]] for d in demo_logins()]
        self.stdout.write(format_table(["手机号", "密码", "角色", "社区", "范围"], rows))
        self.stdout.write(f"用时 {time.perf_counter() - started:.1f} 秒")
