"""The ledger's invariants checked against the database: what `manage.py verify_ledger` and the tests assert."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from gongzhi.timebank.models.ledger import Account, Entry


@dataclass
class LedgerReport:
    accounts: int = 0
    transactions: int = 0
    entries_total: int = 0
    balances_total: int = 0
    # (account id, cached balance, sum of its entries)
    balance_mismatches: list[tuple[int, int, int]] = field(default_factory=list)
    # (transaction id, sum of its entries, number of entries)
    unbalanced: list[tuple[int, int, int]] = field(default_factory=list)
    # (account id, balance, floor)
    below_floor: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.entries_total == 0
            and self.balances_total == 0
            and not self.balance_mismatches
            and not self.unbalanced
            and not self.below_floor
        )


def ledger_check() -> LedgerReport:
    """Every balance equals the sum of its entries, every transaction sums to zero over ≥ 2 entries, the
    deployment's total is zero and no account is below its floor. Three aggregate queries and one scan of accounts."""
    report = LedgerReport()
    sums = dict(Entry.objects.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    for pk, balance, floor in Account.objects.values_list("pk", "balance", "floor").order_by("pk").iterator():
        report.accounts += 1
        report.balances_total += balance
        summed = int(sums.get(pk) or 0)
        if summed != balance:
            report.balance_mismatches.append((pk, balance, summed))
        if floor is not None and balance < floor:
            report.below_floor.append((pk, balance, floor))
    per_tx = Entry.objects.values("transaction_id").annotate(s=Sum("amount"), n=Count("id"))
    for row in per_tx.values_list("transaction_id", "s", "n").iterator():
        report.transactions += 1
        if row[1] != 0 or row[2] < 2:
            report.unbalanced.append((row[0], int(row[1]), row[2]))
    report.entries_total = int(Entry.objects.aggregate(s=Sum("amount"))["s"] or 0)
    return report
