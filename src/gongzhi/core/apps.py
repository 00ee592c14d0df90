from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from gongzhi.core import checks  # noqa: F401  # registers system checks
