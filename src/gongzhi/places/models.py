"""Two trees, territorial (街道 → 社区/村 → … → 单元) and grid (网格 → 微网格); households hang off both."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, ScopedManager


class PlaceKind(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    COMPOUND = "compound", _("小区")
    COURTYARD = "courtyard", _("院落")
    NATURAL_VILLAGE = "natural_village", _("自然村")
    VILLAGER_GROUP = "villager_group", _("村民小组")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")


K = PlaceKind
CHILD_KINDS: dict[str, frozenset[str]] = {
    K.STREET: frozenset({K.COMMUNITY, K.VILLAGE}),
    K.COMMUNITY: frozenset({K.COMPOUND, K.COURTYARD, K.BUILDING}),
    K.VILLAGE: frozenset({K.NATURAL_VILLAGE, K.VILLAGER_GROUP}),
    K.COMPOUND: frozenset({K.BUILDING}),
    K.COURTYARD: frozenset({K.BUILDING}),
    K.NATURAL_VILLAGE: frozenset({K.VILLAGER_GROUP}),
    K.VILLAGER_GROUP: frozenset(),
    K.BUILDING: frozenset({K.UNIT}),
    K.UNIT: frozenset(),
}
# Households live in a stairwell unit, in a building without units, or (in villages) in a villager group.
HOUSEHOLD_PARENT_KINDS = frozenset({K.UNIT, K.BUILDING, K.VILLAGER_GROUP})
COMMUNITY_KINDS = frozenset({K.COMMUNITY, K.VILLAGE})


class Place(models.Model):
    kind = models.CharField(_("类型"), max_length=20, choices=PlaceKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    community = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("所属社区")
    )
    path = PathField()
    depth = models.PositiveSmallIntegerField(default=0)
    sort_key = models.CharField(max_length=40, blank=True, help_text=_("同级排序"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=100, blank=True)

    objects = ScopedManager()
    view_action: ClassVar[str] = Action.PLACE_VIEW
    scope_place_path: ClassVar[str | None] = "path"
    scope_grid_path: ClassVar[str | None] = None
    scope_household: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_community(self) -> bool:
        return self.kind in COMMUNITY_KINDS

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class GridKind(models.TextChoices):
    GRID = "grid", _("网格")
    MICRO_GRID = "micro_grid", _("微网格")


class Grid(CommunityOwned):
    """A grid may cross compound lines, so it is its own tree; its leaves are households."""

    kind = models.CharField(_("类型"), max_length=20, choices=GridKind.choices, default=GridKind.GRID)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    path = PathField()
    depth = models.PositiveSmallIntegerField(default=0)

    view_action: ClassVar[str] = Action.PLACE_VIEW
    scope_grid_path: ClassVar[str | None] = "path"

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]

    def __str__(self) -> str:
        return self.name


class Household(CommunityOwned):
    """A flat (户): its registered exclusive area counts in owner votes (民法典第二百七十八条)."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="households", verbose_name=_("所在"))
    place_path = PathField()
    grid = models.ForeignKey(
        Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="households", verbose_name=_("网格")
    )
    grid_path = PathField(blank=True, default="")
    room = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    area = models.DecimalField(
        _("专有部分面积(m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    area_is_surveyed = models.BooleanField(
        _("面积为测绘面积"),
        default=False,
        help_text=_("无登记面积时按测绘面积计算（最高法建筑物区分所有权解释第八条）"),
    )

    view_action: ClassVar[str] = Action.HOUSEHOLD_VIEW
    scope_place_path: ClassVar[str | None] = "place_path"
    scope_grid_path: ClassVar[str | None] = "grid_path"
    scope_household: ClassVar[str | None] = "id"

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["place_path", "room"]
        constraints = [models.UniqueConstraint(fields=["place", "room"], name="household_unique_room")]

    def __str__(self) -> str:
        return self.room

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path
        self.grid_path = self.grid.path if self.grid_id and self.grid else ""
        super().save(*args, **kwargs)
