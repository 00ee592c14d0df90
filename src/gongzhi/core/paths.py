"""Materialized paths ("1/5/23/") make any subtree one indexed query on SQLite and PostgreSQL alike."""

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class PathField(models.CharField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def path_upper_bound(prefix: str) -> str:
    # Paths use digits and "/"; "0" sorts right after "/", so [prefix, upper) is exactly the subtree.
    if not prefix.endswith("/"):
        raise ValueError("a path prefix ends with '/'")
    return prefix[:-1] + "0"


@PathField.register_lookup
class Under(models.Lookup):  # type: ignore[type-arg]
    """`path__under=prefix`: the node at prefix and everything below it."""

    lookup_name = "under"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        # A byte-wise range uses the plain B-tree index (SQLite LIKE is case-insensitive and would not).
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, path_upper_bound(prefix)]

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        path_upper_bound(prefix)
        # LIKE 'prefix%' uses the varchar_pattern_ops index Django adds, whatever the collation.
        return f"{lhs} LIKE %s", [*lhs_params, prefix + "%"]
