"""How each personal column of an export leaves for one reader: in full where `permissions.EXPORT_COLUMNS` says the
reader's role may have it in this community (or the row is the reader's own record), masked otherwise. The sensitive
kinds that went out in full are what the export logs (PIPL Art. 28)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gongzhi.core.permissions import EXPORT_COLUMNS, REVEAL_ACTIONS
from gongzhi.core.scoping import user_can
from gongzhi.rules.masking import mask_id_number, mask_name, mask_phone

if TYPE_CHECKING:
    from gongzhi.core.models import User

__all__ = ["Columns", "export_columns"]


@dataclass(frozen=True)
class Columns:
    full: frozenset[str]

    def name(self, value: str) -> str:
        return value if "name" in self.full else mask_name(value or "")

    def id_number(self, value: str) -> str:
        return value if "id_number" in self.full else mask_id_number(value or "")

    def phone(self, value: str) -> str:
        return value if "phone" in self.full else mask_phone(value or "")

    def shows(self, column: str) -> bool:
        return column in self.full

    def logged(self) -> list[str]:
        """The sensitive kinds (ID number, phone, the special identities) this reader gets in full, to log."""
        return [kind for kind in REVEAL_ACTIONS if kind in self.full]


def export_columns(actor: User, community: Any, *, own: bool = False) -> Columns:
    """The columns `actor` gets in full in `community`; `own` when every row is the actor's own (a volunteer's own
    record: PIPL Art. 45, a copy of one's own data)."""
    if own:
        return Columns(frozenset(EXPORT_COLUMNS))
    return Columns(frozenset(c for c, action in EXPORT_COLUMNS.items() if user_can(actor, action, community)))
