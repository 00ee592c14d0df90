from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import verify_chains
from gongzhi.core.models import AuditEvent

REASONS = {
    "missing": "缺少记录（序号不连续）",
    "prev_hash": "前一条哈希不符",
    "hash": "内容与哈希不符（记录被修改）",
    "head": "链尾与最后一条记录不符（记录被删除）",
}


class Command(BaseCommand):
    help = "Verifies the audit hash chains and reports the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chains()
        if broken is None:
            self.stdout.write(f"审计链完整：共 {AuditEvent.objects.count()} 条记录 (audit chain intact)")
            return
        raise CommandError(
            f"审计链断裂：链 {broken.chain}，第 {broken.seq} 条"
            f"{f'（记录 id={broken.event_id}）' if broken.event_id else ''}：{REASONS[broken.reason]}"
            f" [broken link: chain={broken.chain} seq={broken.seq} id={broken.event_id} reason={broken.reason}]"
        )
