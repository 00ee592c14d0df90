"""What every endpoint of /api/ shares in its schema: bounded ids and paging, and the error responses it documents.

Every number a caller sends is bounded before it reaches the database: an id beyond the database's integer range or
an offset of twenty digits used to raise OverflowError (a 500); a negative limit reached the database."""

from __future__ import annotations

from typing import Annotated, Any

import annotated_types
from ninja import Field, Schema
from ninja.params.functions import Header as HeaderParam

# BigAutoField on both databases (settings.DEFAULT_AUTO_FIELD): a signed 64-bit integer.
DB_ID_MAX = 2**63 - 1
# Far above any list (a community has some 30,000 residents) and far below any integer a database overflows on.
OFFSET_MAX = 1_000_000
LIMIT_MAX = 200

Id = Annotated[int, annotated_types.Ge(1), annotated_types.Le(DB_ID_MAX)]
"""A row's id in a path, query or body: 1..2**63-1, else 400 (the same 404 as a missing row once in range)."""


class Paging(Schema):
    """`?offset=&limit=` of a list: offset 0..1,000,000, limit 1..200 (25 by default)."""

    offset: int = Field(0, ge=0, le=OFFSET_MAX, description="Rows to skip")
    limit: int = Field(25, ge=1, le=LIMIT_MAX, description="Rows to return")


class ErrorOut(Schema):
    """Every error under /api/ (Open311 keeps the spec's own format)."""

    code: str = Field(description="A stable code to branch on, such as not_found, invalid or throttled")
    message: str = Field(description="What went wrong, in the caller's language (Chinese by default)")
    extra: dict[str, Any] = Field(description="Details: the field at fault, `errors` for invalid input, …")


# Every operation can answer these: invalid input (400), no session or token (401), a bug (500).
ALWAYS = (400, 401, 500)


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses of an operation for `response=`: `{200: Out, **errors(403, 404)}`. 400, 401 and 500 are
    always added, since any operation may answer them."""
    return dict.fromkeys(sorted({*ALWAYS, *statuses}), ErrorOut)


IdempotencyKey = Annotated[
    str | None,
    HeaderParam(
        None,
        alias="Idempotency-Key",
        max_length=100,
        description="A key of the caller's choosing, one per intended write: repeating it returns the first "
        "answer and changes nothing (the body's `idempotency_key` may carry it instead)",
    ),
]
"""The `Idempotency-Key` header of the writes that read it, documented in the schema."""
