"""The demo logins 1380000nnnn: one per role, and the list the login page shows in demo mode."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone, translation

from gongzhi.core.models import RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign, user_create
from gongzhi.demo import bulk
from gongzhi.demo.people.specs import (
    DEMO_PASSWORD,
    DEMO_PHONE_PREFIX,
    DONGHUANLU,
    HUAYUAN,
    LIXIONG,
    LIXIONG_NEW,
    YANGXIYUAN,
)
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import COMMUNITY_KINDS, Household, Place, PlaceKind
from gongzhi.rules.volunteer_age import age_on

# --------------------------------------------------------------------------------------------- logins


def _login(n: int, *, role: str, display_name: str, community: Place | None, **node: Any) -> User:
    phone = f"1380000{n:04d}"
    user = User.objects.filter(phone=phone).first() or user_create(
        actor=None,
        phone=phone,
        password=DEMO_PASSWORD,
        display_name=display_name,
        community_id=community.pk if community else None,
    )
    role_assign(actor=None, user=user, role=role, **node)
    return user


def demo_login(n: int, *, role: str, display_name: str, community: Place | None, **node: Any) -> User:
    """A demo login 1380000nnnn with the demo password and one role (for the parts' demos: 13800000011 up)."""
    return _login(n, role=role, display_name=display_name, community=community, **node)


def link_person(person: Person, user: User) -> None:
    """Makes `user` the login of `person` (their record then shows the number they sign in with)."""
    _link_person(person, user)


def _link_person(person: Person, user: User) -> None:
    # The record carries the login number so "my data" shows the phone the resident signs in with.
    person.account, person.phone = user, user.phone
    bulk.save(person, ["account", "phone", "updated_at"])


def create_logins(street: Place) -> None:
    """One login per role (13800000001 upwards), on the nodes the articles give those roles."""
    c = {p.name: p for p in Place.objects.filter(parent=street)}
    donghuanlu, lixiong, village = c[DONGHUANLU], c[LIXIONG], c[YANGXIYUAN]
    huayuan = Place.objects.get(parent=donghuanlu, name=HUAYUAN)
    flats = list(Household.objects.filter(place_path__under=huayuan.path).select_related("grid").order_by("pk"))
    heads = list(Person.objects.filter(household__in=flats, relation=Relation.HEAD).order_by("pk"))
    resident = next(p for p in heads if 30 <= age_on(p.birth_date, timezone.localdate()) <= 70)
    volunteer = next(p for p in heads if p.household_id != resident.household_id)
    grid = flats[0].grid
    assert grid is not None

    _login(1, role=Role.SECRETARY, display_name="东环路社区书记（演示）", community=donghuanlu, place=donghuanlu)
    _login(2, role=Role.SOCIAL_WORKER, display_name="东环路社区社工（演示）", community=donghuanlu, place=donghuanlu)
    _login(
        3,
        role=Role.GRID_WORKER,
        display_name="网格员（演示）",
        community=donghuanlu,
        grid=grid.parent if grid.parent_id else grid,
    )
    _login(
        4,
        role=Role.BUILDING_HEAD,
        display_name="花园颐院楼栋长（演示）",
        community=donghuanlu,
        place=Place.objects.filter(parent=huayuan, kind=PlaceKind.BUILDING).order_by("sort_key").first(),
    )
    _login(
        5,
        role=Role.GROUP_HEAD,
        display_name="杨西园村居民小组长（演示）",
        community=village,
        place=Place.objects.filter(community=village, kind=PlaceKind.VILLAGER_GROUP).order_by("sort_key").first(),
    )
    _login(
        6,
        role=Role.PROPERTY,
        display_name="瀝雄物业（演示）",
        community=lixiong,
        place=Place.objects.get(parent=lixiong, name=LIXIONG_NEW[0]),
    )
    _login(7, role=Role.STREET_STAFF, display_name="街道工作人员（演示）", community=None, place=street)
    _login(8, role=Role.SECRETARY, display_name="瀝雄社区书记（演示）", community=lixiong, place=lixiong)
    user = _login(
        9, role=Role.VOLUNTEER, display_name=volunteer.name, community=donghuanlu, household=volunteer.household
    )
    _link_person(volunteer, user)
    user = _login(
        10, role=Role.RESIDENT, display_name=resident.name, community=donghuanlu, household=resident.household
    )
    _link_person(resident, user)


def _node_note(assignment: RoleAssignment, names: dict[int, str]) -> str:
    if assignment.grid is not None:
        return f"网格：{assignment.grid.name}"
    if assignment.household is not None:
        inside = [names[i] for i in assignment.household.place.ancestor_ids if i in names]
        return f"户：{' '.join(inside)} {assignment.household.room}"
    place = assignment.place
    assert place is not None
    if place.kind == PlaceKind.STREET:
        return "全街道"
    if place.is_community:
        return "全社区"
    inside = [names[i] for i in place.ancestor_ids if i in names]
    return f"{place.get_kind_display()}：{' '.join(inside)}"


def demo_logins() -> list[dict[str, str]]:
    """The demo accounts as the login page lists them, read from the database (three queries)."""
    assignments = RoleAssignment.objects.select_related("community", "place", "grid", "household__place")
    users = list(
        User.objects.filter(phone__startswith=DEMO_PHONE_PREFIX)
        .order_by("phone")
        .prefetch_related(Prefetch("role_assignments", queryset=assignments.order_by("pk")))
    )
    first = {u.pk: next(iter(u.role_assignments.all()), None) for u in users}
    # Names of the places between the community and the node, for the note column.
    ancestors: set[int] = set()
    for a in first.values():
        place = None if a is None else (a.household.place if a.household else a.place)
        if place is not None:
            ancestors.update(place.ancestor_ids)
    names = dict(
        Place.objects.filter(pk__in=ancestors)
        .exclude(kind__in=[PlaceKind.STREET, *COMMUNITY_KINDS])
        .values_list("pk", "name")
    )
    rows = []
    with translation.override("zh-hans"):
        for user in users:
            a = first[user.pk]
            if a is None:
                continue
            community = a.community.name if a.community else (a.place.name if a.place else "")
            rows.append(
                {
                    "role_label": str(Role(a.role).label),
                    "phone": user.phone,
                    "password": DEMO_PASSWORD,
                    "community": community,
                    "note": _node_note(a, names),
                }
            )
    return rows
