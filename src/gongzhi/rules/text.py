"""Refusing markup in user-entered text.

GB/T 22239-2019 《信息安全技术 网络安全等级保护基本要求》 (安全计算环境,
数据有效性检验) requires checking that input through human interfaces matches
what the system expects, and 《网络安全法》 art. 21 requires technical measures
against attacks. Notices and petitions here are plain text, so anything a
browser could read as HTML or script (OWASP XSS Prevention Cheat Sheet) is
refused outright rather than escaped or sanitised: nobody has a legitimate
reason to type it, and a refusal is easier to audit than a rewrite.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "find_markup"]

# Browsers start a tag only on an ASCII letter, "/", "!" or "?", so "3<5" and
# "面积 < 90" stay plain text.
_TAG = re.compile(r"<[A-Za-z/!?][A-Za-z0-9:-]*")
# The lookbehind keeps words like "button=" or "python=" out; 3+ letters
# because the shortest real handler is "oncut".
_EVENT_HANDLER = re.compile(r"(?<![A-Za-z0-9_])on[A-Za-z]{3,}\s*=", re.ASCII | re.IGNORECASE)
# Browsers decode numeric references even without the semicolon.
_NUMERIC_REF = re.compile(r"&#(?:[0-9]+|[xX][0-9A-Fa-f]+);?")
_NAMED_REF = re.compile(r"&[A-Za-z][A-Za-z0-9]{1,31};")
_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")

_SNIPPET_LENGTH = 20
# A lone UTF-16 surrogate is not a character: no encoder can write it (a database driver fails on it), and
# PostgreSQL refuses NUL in text. Neither can be typed by a person.
_UNENCODABLE = re.compile("[\ud800-\udfff\x00]")


def _snippet(text: str) -> str:
    return text[:_SNIPPET_LENGTH]


def _find_scheme(text: str) -> tuple[int, str] | None:
    # URL parsers drop tabs, newlines and other control characters inside a
    # scheme ("java\tscript:"), so match on a compacted copy and map back.
    kept: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(text):
        if ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F:
            continue
        # Scheme matching is ASCII case-insensitive; lowering other characters
        # could change the length and break the position map.
        kept.append(ch.lower() if ch.isascii() else ch)
        positions.append(index)
    compact = "".join(kept)
    best: tuple[int, str] | None = None
    for scheme in _DANGEROUS_SCHEMES:
        found = compact.find(scheme)
        if found >= 0 and (best is None or positions[found] < best[0]):
            best = (positions[found], f"脚本链接（{scheme}）")
    return best


def find_markup(text: str) -> str | None:
    """Describe (in Chinese) the first markup in text, or return None."""
    hits: list[tuple[int, str]] = []
    if match := _TAG.search(text):
        hits.append((match.start(), f"HTML标签（{_snippet(match.group())}）"))
    if match := _EVENT_HANDLER.search(text):
        hits.append((match.start(), f"事件处理属性（{_snippet(match.group())}）"))
    if match := _NUMERIC_REF.search(text):
        hits.append((match.start(), f"HTML字符引用（{_snippet(match.group())}）"))
    if match := _NAMED_REF.search(text):
        hits.append((match.start(), f"HTML字符引用（{_snippet(match.group())}）"))
    if scheme_hit := _find_scheme(text):
        hits.append(scheme_hit)
    if not hits:
        return None
    return min(hits)[1]


def clean_text(text: str, *, field: str, max_length: int | None = None) -> str:
    """Return text stripped, or raise ValueError naming the field in Chinese."""
    stripped = text.strip()
    if find_markup(stripped) is not None:
        raise ValueError(f"{field}不能包含HTML或脚本代码")
    if _UNENCODABLE.search(stripped):
        raise ValueError(f"{field}含有无效字符")
    if max_length is not None and len(stripped) > max_length:
        raise ValueError(f"{field}不能超过{max_length}个字")
    return stripped
