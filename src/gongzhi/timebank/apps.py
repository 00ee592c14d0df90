from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimebankConfig(AppConfig):
    name = "gongzhi.timebank"
    label = "timebank"
    verbose_name = _("时间银行")
