"""The demo's one bulk write path: every row the demo writes without a service goes through this module.

The demo builds through the services wherever the figures allow (topics, ballots, ideas, voices taken in, time bank
postings of the parts' own logins…). Where the figures do not allow it — 30,000 residents, 620 volunteers and two
and a half years of their records, a year of 社情民意, a few hundred opinion voters — a service per row would take
minutes, and would stamp every row with today's date. Those rows are planned in memory and written here, in bulk,
so that this second write path is one module to read and one to check.

What a service would keep, the callers keep by hand; tests/demo/test_invariants.py loads the demo and checks it:
- Materialised paths: a place's `path` is its parent's path plus its own pk (inserted, then `update(["path"])`), a
  grid's likewise, and every household and person copies the `place_path`/`grid_path` of its place and grid
  (demo/people/build.py).
- The ledger: each transaction's entries sum to zero over two entries or more, every account's balance is the sum of
  its entries (set before the insert, never updated), the deployment's total is zero and no account is below its
  floor (demo/timebank/book.py). Every idempotency key starts with "demo:", so no key a service derives from a pk
  finds a demo transaction. `timebank.integrity.ledger_check` (`manage.py verify_ledger`).
- The audit chain: bulk rows have no event each; each batch records one summary event through
  `core.audit.record`, so the chain stays whole. `core.audit.verify_chains` (`manage.py verify_audit`).
- Voices: a voice's history fields and its events are written together, `updated_at` set by hand (bulk updates skip
  `auto_now`; the similarity index and the cached figures go by it), due dates from `voices.services.routing`.
- Time bank sessions, records and sign-ups: dates and points computed by `rules.service_hours` as the services
  compute them, with the statuses and reviewers a service would set (demo/timebank/history.py); volunteer numbers
  in order of registration, as `volunteer_number` goes on from them.
- Opinion votes: one vote per voter and statement (the table's unique constraint would refuse a second).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def insert(model: type[M], rows: Iterable[M], *, batch_size: int | None = None) -> list[M]:
    """Inserts `rows` in batches; their pks come back (SQLite ≥ 3.35, PostgreSQL). No save(), no signals."""
    return model._default_manager.bulk_create(list(rows), batch_size=batch_size)


def update(model: type[M], rows: Sequence[M], fields: Sequence[str], *, batch_size: int | None = None) -> int:
    """Writes `fields` of rows already inserted (`auto_now` is not applied: set such fields by hand)."""
    return model._default_manager.bulk_update(rows, list(fields), batch_size=batch_size)


def update_where(rows: models.QuerySet[M], **values: Any) -> int:
    """One UPDATE of the matching rows."""
    return rows.update(**values)


def create(model: type[M], **fields: Any) -> M:
    """One row (a category, a party, a skill…) where no service makes it, or the demo needs it as it stands."""
    return model._default_manager.create(**fields)


def save(row: models.Model, fields: Sequence[str]) -> None:
    """Writes `fields` of one row already inserted."""
    row.save(update_fields=list(fields))
