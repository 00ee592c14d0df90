"""Reads for printed ballot sheets and 公示 notices, scoped to the actor: the sheet list, the rows a PDF prints
(one query streamed in chunks, whatever the number of households) and the community's coefficient table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.deliberation.models import BallotSheet, Topic
from gongzhi.places.models import Place
from gongzhi.rules import cost_share
from gongzhi.rules.masking import mask_name

__all__ = [
    "SheetRow",
    "SheetSummary",
    "coefficient_table",
    "sheet_get",
    "sheet_list",
    "sheet_print_rows",
    "sheet_summary",
]


def sheet_list(*, actor: User, topic: Topic) -> QuerySet[BallotSheet]:
    return (
        BallotSheet.objects.visible_to(actor)
        .filter(topic=topic)
        .select_related("household", "household__place", "household__place__parent", "voter")
        .order_by("seq")
    )


def sheet_get(*, actor: User, topic: Topic, sheet_id: int) -> BallotSheet:
    sheet: BallotSheet | None = BallotSheet.objects.visible_to(actor).filter(topic=topic, pk=sheet_id).first()
    if sheet is None:
        raise NotFound()
    return sheet


@dataclass(frozen=True)
class SheetSummary:
    live: int
    voided: int
    households: int  # voting households: those with an owner of record


def sheet_summary(*, actor: User, topic: Topic) -> SheetSummary:
    from gongzhi.deliberation.selectors.topics import designated_owner_ids

    counts = (
        BallotSheet.objects.visible_to(actor)
        .filter(topic=topic)
        .aggregate(
            live=Count("id", filter=Q(voided_at__isnull=True)), voided=Count("id", filter=Q(voided_at__isnull=False))
        )
    )
    return SheetSummary(counts["live"], counts["voided"], len(designated_owner_ids(topic=topic)))


@dataclass(frozen=True)
class SheetRow:
    serial_no: str
    token: str
    household_id: int
    address: str  # 小区 楼栋 单元 房号
    area: Decimal | None
    area_is_surveyed: bool
    owner: str  # masked: a sheet lies on a table in the stairwell before it is signed


def sheet_print_rows(*, actor: User, topic: Topic, serial: str = "") -> Iterator[SheetRow]:
    """The live sheets in serial order, as one query read in chunks: printing 30,000 households never holds them
    all in memory nor runs a query per household."""
    rows = (
        BallotSheet.objects.visible_to(actor)
        .filter(topic=topic, voided_at__isnull=True)
        .order_by("seq")
        .values_list(
            "serial_no",
            "token",
            "household_id",
            "household__place__parent__parent__name",
            "household__place__parent__name",
            "household__place__name",
            "household__room",
            "household__area",
            "household__area_is_surveyed",
            "voter__name",
        )
    )
    if serial:
        rows = rows.filter(serial_no=serial)
    for serial_no, token, household_id, compound, building, unit, room, area, surveyed, name in rows.iterator(
        chunk_size=2000
    ):
        address = " ".join(p for p in (compound, building, unit, room) if p)
        yield SheetRow(serial_no, token, household_id, address, area, surveyed, mask_name(name))


def coefficient_table(*, community: Place, extra_floors: int = 2) -> list[tuple[int, str]]:
    """The community's table as (floor, coefficient) rows for its edit form, else the default one; a couple of
    blank floors at the end let staff extend it to taller buildings."""
    from gongzhi.deliberation.selectors.topics import community_coefficients
    from gongzhi.places.models import Household

    source = community_coefficients(community.pk) or cost_share.DEFAULT_ELEVATOR_COEFFICIENTS
    tallest = Household.objects.filter(community_id=community.pk).exclude(floor=None).order_by("-floor").first()
    top = max(max(source, default=0), tallest.floor if tallest and tallest.floor else 0) + extra_floors
    return [(f, str(source[f]) if f in source else "") for f in range(1, top + 1)]
