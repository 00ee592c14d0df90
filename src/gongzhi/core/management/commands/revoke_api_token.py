from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import ApiToken, User
from gongzhi.core.services import api_token_revoke, api_token_revoke_all


class Command(BaseCommand):
    help = "Revokes one bearer token by its id, or every token of an account by its phone."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", type=int, help="the token's id (shown in the admin and the audit trail)")
        which.add_argument("--phone", help="revoke every token of this account")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["id"] is not None:
                token = ApiToken.objects.filter(pk=options["id"]).first()
                if token is None:
                    raise CommandError("没有该编号的令牌 (no token with this id)")
                api_token_revoke(actor=None, token=token)
                self.stdout.write(f"已撤销令牌 {token.prefix}… / revoked")
                return
            user = User.objects.filter(phone=options["phone"]).first()
            if user is None:
                raise CommandError("没有该手机号的账号 (no account with this phone)")
            ids = api_token_revoke_all(actor=None, user=user)
            self.stdout.write(f"已撤销 {len(ids)} 个令牌 / revoked {len(ids)}: {ids}")
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
