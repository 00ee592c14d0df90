from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_STAFF = "street_staff", _("街道工作人员")
    SECRETARY = "secretary", _("书记/主任")
    SOCIAL_WORKER = "social_worker", _("社工")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_HEAD = "building_head", _("楼栋长")
    GROUP_HEAD = "group_head", _("居民小组长")
    PROPERTY = "property", _("物业")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")


# Highest first: used to pick a user's landing page and to compare "lower role".
ROLE_RANK = [
    Role.SECRETARY,
    Role.SOCIAL_WORKER,
    Role.STREET_STAFF,
    Role.GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.GROUP_HEAD,
    Role.PROPERTY,
    Role.VOLUNTEER,
    Role.RESIDENT,
]
