"""Writes on the place and grid trees and on households. actor None is the system (migrations, tasks)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.places.errors import Code
from gongzhi.places.models import (
    CHILD_KINDS,
    COMMUNITY_KINDS,
    HOUSEHOLD_PARENT_KINDS,
    Grid,
    GridKind,
    Household,
    Place,
    PlaceKind,
)
from gongzhi.places.predicates import can_change_place

AREA_PATTERN = re.compile(r"\d{1,6}(\.\d{1,2})?")


def parse_area(raw: Any) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    try:
        area = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationFailed(_("面积应为数字，单位平方米"), code=Code.BAD_AREA) from exc
    if not AREA_PATTERN.fullmatch(text):
        raise ValidationFailed(_("面积应为大于0的数字，最多两位小数"), code=Code.BAD_AREA)
    if not area.is_finite() or area <= 0 or area >= Decimal("100000") or area != area.quantize(Decimal("0.01")):
        raise ValidationFailed(_("面积应为大于0的数字，最多两位小数"), code=Code.BAD_AREA)
    return area


@transaction.atomic
def place_create(*, actor: User | None, parent: Place | None, kind: str, name: str, **details: Any) -> Place:
    """Adds a node under parent; the kind must fit under the parent's kind."""
    if parent is None:
        if kind != PlaceKind.STREET:
            raise ValidationFailed(_("只有街道可以作为根节点"))
        if actor is not None:
            raise PermissionDenied()
    else:
        if actor is not None and not can_change_place(actor, parent):
            raise PermissionDenied()
        if kind not in CHILD_KINDS[parent.kind]:
            raise ValidationFailed(_("此处不能添加该类型的地点"), code=Code.BAD_KIND)
    place = Place(
        kind=kind,
        name=clean_or_fail(name, label=_("名称"), max_length=100),
        parent=parent,
        depth=(parent.depth + 1) if parent else 0,
        community=parent.community if parent and parent.community_id else None,
        **details,
    )
    if Place.objects.filter(parent=parent, name=place.name).exists():
        raise ValidationFailed(_("同一上级下已有同名地点"), code=Code.DUPLICATE)
    place.full_clean(exclude=["path", "community", "parent"])
    place.save()
    place.path = (parent.path if parent else "") + f"{place.pk}/"
    if kind in COMMUNITY_KINDS:
        place.community = place
    place.save(update_fields=["path", "community"])
    audit.record(
        actor=actor,
        verb="place.create",
        obj=place,
        community_id=place.community_id,
        after={"kind": kind, "name": place.name, "parent": parent.pk if parent else None},
    )
    return place


@transaction.atomic
def grid_create(
    *, actor: User | None, community: Place, name: str, parent: Grid | None = None, kind: str = GridKind.GRID
) -> Grid:
    if actor is not None and not can_change_place(actor, community):
        raise PermissionDenied()
    if parent is not None and parent.community_id != community.pk:
        raise ValidationFailed(_("上级网格不属于该社区"))
    grid = Grid(
        community=community,
        name=clean_or_fail(name, label=_("名称"), max_length=100),
        parent=parent,
        kind=kind,
        depth=(parent.depth + 1) if parent else 0,
    )
    grid.full_clean(exclude=["path", "community", "parent"])
    grid.save()
    grid.path = (parent.path if parent else f"{community.pk}/") + f"{grid.pk}/"
    grid.save(update_fields=["path"])
    audit.record(
        actor=actor,
        verb="grid.create",
        obj=grid,
        community_id=community.pk,
        after={"name": grid.name, "parent": parent.pk if parent else None},
    )
    return grid


@transaction.atomic
def household_create(
    *, actor: User | None, place: Place, room: str, floor: int | None = None, area: Any = None, grid: Grid | None = None
) -> Household:
    if actor is not None and not can_change_place(actor, place):
        raise PermissionDenied()
    if place.kind not in HOUSEHOLD_PARENT_KINDS:
        raise ValidationFailed(_("户只能建在单元、楼栋或村民小组下"), code=Code.BAD_KIND)
    assert place.community_id is not None  # households sit below a community
    household = Household(
        community_id=place.community_id,
        place=place,
        room=clean_or_fail(room, label=_("房号"), max_length=20),
        floor=floor,
        area=parse_area(area),
        grid=grid,
    )
    if Household.objects.filter(place=place, room=household.room).exists():
        raise ValidationFailed(_("该房号已存在"), code=Code.DUPLICATE)
    household.full_clean(exclude=["place_path", "grid_path"])
    household.save()
    audit.record(
        actor=actor,
        verb="household.create",
        obj=household,
        community_id=place.community_id,
        after=audit.snapshot(household, ["place", "room", "floor", "area", "grid"]),
    )
    return household


@transaction.atomic
def household_set_grid(*, actor: User | None, household: Household, grid: Grid | None) -> Household:
    """Moves a household into a grid; its residents' grid paths follow."""
    from gongzhi.people.models import Person

    household = Household.objects.select_for_update().get(pk=household.pk)
    if actor is not None and not can_change_place(actor, household.community):
        raise PermissionDenied()
    if grid is not None and grid.community_id != household.community_id:
        raise ValidationFailed(_("网格不属于该社区"))
    before = audit.snapshot(household, ["grid"])
    household.grid = grid
    household.grid_path = grid.path if grid else ""
    household.save(update_fields=["grid", "grid_path"])
    Person.objects.filter(household=household).update(grid_path=household.grid_path)
    audit.record(
        actor=actor,
        verb="household.set_grid",
        obj=household,
        community_id=household.community_id,
        before=before,
        after=audit.snapshot(household, ["grid"]),
    )
    return household


@transaction.atomic
def household_set_area(*, actor: User | None, household: Household, area: Any, surveyed: bool = False) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if actor is not None and not can_change_place(actor, household.community):
        raise PermissionDenied()
    before = audit.snapshot(household, ["area", "area_is_surveyed"])
    household.area = parse_area(area)
    household.area_is_surveyed = surveyed
    household.save(update_fields=["area", "area_is_surveyed"])
    audit.record(
        actor=actor,
        verb="household.set_area",
        obj=household,
        community_id=household.community_id,
        before=before,
        after=audit.snapshot(household, ["area", "area_is_surveyed"]),
    )
    return household
