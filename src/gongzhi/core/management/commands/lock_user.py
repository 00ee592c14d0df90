from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import User
from gongzhi.core.services import user_lock


class Command(BaseCommand):
    help = "Locks an account: it can no longer log in, its sessions end and every API token it holds is revoked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, help="the account to lock")
        parser.add_argument("--reason", required=True, help="why, kept in the audit trail (e.g. 手机遗失)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(phone=options["phone"]).first()
        if user is None:
            raise CommandError("没有该手机号的账号 (no account with this phone)")
        try:
            user_lock(actor=None, user=user, reason=options["reason"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"已锁定账号 {user} / locked; its tokens are revoked")
