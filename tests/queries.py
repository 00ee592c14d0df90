"""The one way tests count database queries (STYLE.md item 11).

- `with queries(N):` fails unless the block runs exactly N queries, and then lists them;
- `with queries() as q:` only counts: `len(q)` (or `q.count`) and `q.captured_queries` afterwards, for a test that
  compares two counts or looks at the SQL;
- `same_queries(run, grow)` is the list-page pattern: `run` with few rows, `grow` the rows, `run` again, and the
  count must not change.

tests/test_queries_helper.py fails if a test module counts queries any other way (pytest-django's
`django_assert_num_queries` / `django_assert_max_num_queries`, or Django's `CaptureQueriesContext`).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.db import connections
from django.test.utils import CaptureQueriesContext


class Queries(CaptureQueriesContext):
    """Django's query capture, asserting an exact count on exit when one is given."""

    def __init__(self, exact: int | None = None, *, using: str = "default", note: str = "") -> None:
        super().__init__(connections[using])
        self.exact = exact
        self.note = note

    @property
    def count(self) -> int:
        return len(self)

    @property
    def sql(self) -> list[str]:
        return [q["sql"] for q in self.captured_queries]

    def report(self) -> str:
        expected = f", expected {self.exact}" if self.exact is not None else ""
        head = f"{len(self)} queries{expected}" + (f" ({self.note})" if self.note else "")
        return "\n".join([head, *(f"{i}. {sql}" for i, sql in enumerate(self.sql, 1))])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc_value, traceback)
        if exc_type is None and self.exact is not None and len(self) != self.exact:
            raise AssertionError(self.report())


def queries(exact: int | None = None, *, using: str = "default", note: str = "") -> Queries:
    """Count the queries of a `with` block; with `exact`, fail (listing them) unless it ran exactly that many."""
    return Queries(exact, using=using, note=note)


def same_queries(run: Callable[[], Any], grow: Callable[[], Any], *, note: str = "") -> int:
    """Run `run` (a page with 1 row), `grow` the rows (to 25), run it again: the two counts must be equal.

    Returns the count, for a test that also pins it."""
    with queries() as small:
        run()
    grow()
    with queries(len(small), note=note or "the same count with more rows"):
        run()
    return len(small)
