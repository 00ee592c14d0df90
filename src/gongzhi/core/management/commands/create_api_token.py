from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.models import User
from gongzhi.core.services import api_token_create


class Command(BaseCommand):
    help = "Issues a bearer token for an integration acting as the given account; prints it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, help="the account the integration acts as")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 天府市民云")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(phone=options["phone"]).first()
        if user is None:
            raise CommandError("没有该手机号的账号 (no account with this phone)")
        token, plain = api_token_create(actor=None, user=user, name=options["name"])
        self.stdout.write(f"{plain}\n(令牌 {token.prefix}… 只显示这一次 / shown once)")
