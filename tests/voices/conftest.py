"""Shared 社情民意 fixtures: categories, responsible parties with members, a routing table, a resident."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.voices.models import Category, Party, PartyKind, PartyMember, Route
from tests import factories


@dataclass
class Desk:
    """One community's 社情民意 set-up."""

    site: factories.Community
    staff: dict[str, User]
    categories: dict[str, Category]
    committee: Party  # 居委会: the default route and the 督办 supervisor of the others
    property: Party  # 物业: parking and lighting in the compound
    grid_party: Party  # 网格员
    resident: User  # on households[0]


def make_desk(site: factories.Community, staff: dict[str, User]) -> Desk:
    c = site.community
    categories = {
        code: Category.objects.create(community=c, code=code, name=name, deadline_days=days, sort_order=i)
        for i, (code, name, days) in enumerate(
            [("parking", "停车", 5), ("lighting", "照明", 3), ("refuse", "垃圾", 2), ("security", "治安", 3)]
        )
    }
    committee = Party.objects.create(community=c, name="居委会", kind=PartyKind.COMMITTEE)
    prop = Party.objects.create(community=c, name="花园物业", kind=PartyKind.PROPERTY, supervisor=committee)
    grid_party = Party.objects.create(
        community=c, name="第一网格网格员", kind=PartyKind.GRID_WORKER, supervisor=committee
    )
    PartyMember.objects.create(community=c, party=committee, user=staff[Role.SECRETARY], is_lead=True)
    PartyMember.objects.create(community=c, party=prop, user=staff[Role.PROPERTY], is_lead=True)
    PartyMember.objects.create(community=c, party=grid_party, user=staff[Role.GRID_WORKER], is_lead=True)
    secretary = staff[Role.SECRETARY]
    Route.objects.create(community=c, place=c, place_path=c.path, party=committee, updated_by=secretary)
    for code in ("parking", "lighting"):
        Route.objects.create(
            community=c,
            category=categories[code],
            place=site.compound,
            place_path=site.compound.path,
            party=prop,
            updated_by=secretary,
        )
    Route.objects.create(
        community=c,
        category=categories["security"],
        place=site.buildings[0],
        place_path=site.buildings[0].path,
        party=grid_party,
        updated_by=secretary,
    )
    return Desk(site, staff, categories, committee, prop, grid_party, staff[Role.RESIDENT])


@pytest.fixture
def desk(site, staff) -> Desk:
    return make_desk(site, staff)


@pytest.fixture
def other_desk(other_site, other_staff) -> Desk:
    return make_desk(other_site, other_staff)
