from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongzhi.timebank.integrity import ledger_check


class Command(BaseCommand):
    help = "Verifies the time bank ledger: balances equal their entries, transactions balance, the total is zero."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_check()
        if report.ok:
            self.stdout.write(
                f"积分账本一致：{report.accounts} 个账户，{report.transactions} 笔交易，总额为 0"
                f" (ledger consistent: {report.accounts} accounts, {report.transactions} transactions, total 0)"
            )
            return
        lines = [
            f"积分账本不一致 (ledger inconsistent): 分录合计 {report.entries_total}，余额合计 {report.balances_total}"
        ]
        lines += [f"账户 {a}：余额 {b}，分录合计 {s}" for a, b, s in report.balance_mismatches[:20]]
        lines += [f"交易 {t}：分录合计 {s}（{n} 条）" for t, s, n in report.unbalanced[:20]]
        lines += [f"账户 {a}：余额 {b} 低于下限 {f}" for a, b, f in report.below_floor[:20]]
        raise CommandError("\n".join(lines))
