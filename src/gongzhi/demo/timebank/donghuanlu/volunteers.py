"""东环路's volunteers (在职党员 of the unit Party organizations, residents, a few minors with a guardian), its teams
and self-organizations, and the collective cards with their managers and members."""

from __future__ import annotations

import datetime
from typing import Any

from gongzhi.demo import bulk
from gongzhi.demo.people.build import synthetic_persons
from gongzhi.demo.timebank.common import Community, volunteer
from gongzhi.demo.timebank.donghuanlu.street import (
    ENTERPRISES,
    HISTORY_MONTHS,
    PARTY_ORGS,
    SELF_ORGS,
    TEAMS,
    VOLUNTEERS,
    Donghuanlu,
    months_before,
)
from gongzhi.demo.timebank.history import at
from gongzhi.people.models import Person, PersonTag, Tag
from gongzhi.places.models import Place, PlaceKind
from gongzhi.timebank.models.ledger import Account, AccountKind, AccountManager, AccountMember
from gongzhi.timebank.models.volunteers import Team, TeamKind, TeamMember


def volunteers(c: Community, caotanglu: Place | None) -> Donghuanlu:
    rng, rows, book, dh = c.rng, c.rows, c.book, c.place
    u1, u2, u3 = c.users[1], c.users[2], c.users[3]
    start = months_before(c.today, HISTORY_MONTHS)
    t0 = at(start, 9)
    places = {p.pk: p for p in Place.objects.filter(parent=dh)}
    courtyards = [p for p in places.values() if p.kind == PlaceKind.COURTYARD]
    compounds = [p for p in places.values() if p.kind == PlaceKind.COMPOUND]
    residents = c.residents()
    by_top: dict[int, list[Person]] = {}
    for p in residents:
        by_top.setdefault(c.top_place_id(p), []).append(p)
    elderly = [p for p in residents if c.age(p) >= 70 or "living_alone" in c.tags.get(p.pk, ())]

    # --- volunteers: 在职党员 of the unit Party organizations (registered here, no household), residents
    in_service = synthetic_persons(dh, ages=[rng.randint(26, 56) for _ in range(10 * len(PARTY_ORGS))], rng=rng)
    bulk.insert(Person, in_service)
    party = Tag.objects.get(community=None, key="party")
    bulk.insert(PersonTag, [PersonTag(community=dh, person=p, tag=party) for p in in_service])
    for p in in_service:
        c.tags.setdefault(p.pk, set()).add("party")
    me = c.users[9].person
    chosen: dict[int, Person] = {me.pk: me}
    adults = [p for p in residents if 18 <= c.age(p) <= 78]
    rng.shuffle(adults)
    disabled = [p for p in adults if "disability" in c.tags.get(p.pk, ()) and c.age(p) <= 65][:8]
    for p in disabled + [p for p in adults if "party" in c.tags.get(p.pk, ())][:150]:
        chosen.setdefault(p.pk, p)
    minors = [p for p in residents if 14 <= c.age(p) <= 17][:6]
    need = VOLUNTEERS - len(in_service) - len(minors)
    for p in sorted(adults, key=lambda p: -min(c.age(p), 68) + rng.random() * 40):
        if len(chosen) >= need:
            break
        chosen.setdefault(p.pk, p)
    parents = {p.household_id: p for p in residents if 30 <= c.age(p) <= 60 and p.phone}
    registrations = []
    for p in [*chosen.values(), *in_service, *minors]:
        if p in minors:  # registered lately, as the minors they still are
            registered = c.today - datetime.timedelta(days=rng.randint(30, 300))
        elif p.pk == me.pk:
            registered = start - datetime.timedelta(days=200)
        else:
            registered = min(
                start + datetime.timedelta(days=rng.randint(-900, 600)), c.today - datetime.timedelta(days=30)
            )
        registrations.append((registered, p))
    # Numbered in order of registration, as `services.volunteer_number` goes on from them.
    registrations.sort(key=lambda r: (r[0], r[1].pk))
    for n, (registered, p) in enumerate(registrations, 1):
        extra: dict[str, Any] = {}
        if p in minors:
            guardian = parents.get(p.household_id)
            extra = {
                "guardian_name": guardian.name if guardian else "王秀英",
                "guardian_phone": (guardian.phone if guardian else "") or "13900000000",
                "guardian_relation": "母亲" if guardian and guardian.sex == "F" else "父亲",
                "guardian_consent_at": at(registered, 10),
                "service_areas": "青少年志愿服务、图书整理",
            }
        volunteer(c, p, f"{dh.pk:04d}-{n:05d}", registered, **extra)
    vols = [c.volunteers[pk].person for pk in c.volunteers]
    adult_vols = [p for p in vols if c.age(p) >= 18]

    # --- teams and self-organizations
    teams: dict[str, Team] = {}
    for i, (name, desc) in enumerate(SELF_ORGS):
        teams[name] = rows.add(
            Team(
                community=dh,
                kind=TeamKind.SELF_ORG,
                name=name,
                description=desc,
                founded_on=datetime.date(2016 + i % 4, 3 + i, 1),
                is_mature=True,
                leader=adult_vols[i],
            )
        )
    for name, desc in TEAMS:
        teams[name] = rows.add(Team(community=dh, name=name, description=desc, founded_on=start))
    for team in teams.values():
        size = 40 if team.kind == TeamKind.TEAM else rng.randint(12, 30)
        for p in dict.fromkeys(
            [team.leader, *rng.sample(adult_vols, size)] if team.leader else rng.sample(adult_vols, size)
        ):
            assert p is not None
            v = c.volunteers[p.pk]
            rows.add(TeamMember(community=dh, team=team, volunteer=v, joined_on=max(v.registered_on, start)))
    elder_team, party_team = teams["助老服务队"], teams["东环路党员先锋队"]
    helpers = [tm.volunteer.person for tm in rows.of(TeamMember) if tm.team is elder_team]

    # --- collective cards, each with managers and members
    card_of: dict[int, Account] = {}  # the card a person serves under
    for i, org in enumerate(PARTY_ORGS):
        card = book.card(dh, AccountKind.PARTY_ORG, f"{org}党支部储蓄卡", at=t0)
        members = in_service[10 * i : 10 * i + 10]
        rows.add(AccountManager(community=dh, account=card, person=members[0], created_at=t0))
        for p in members:
            rows.add(AccountMember(community=dh, account=card, person=p, created_at=t0))
            card_of[p.pk] = card
    taken = set(card_of)
    for org in ENTERPRISES:
        card = book.card(dh, AccountKind.ENTERPRISE, f"{org}企业卡", at=t0)
        staff = [p for p in adult_vols if p.pk not in taken and c.age(p) < 60][:5]
        rows.add(AccountManager(community=dh, account=card, person=staff[0], created_at=t0))
        for p in staff:
            taken.add(p.pk)
            rows.add(AccountMember(community=dh, account=card, person=p, created_at=t0))
            card_of[p.pk] = card
    yard_card: dict[int, Account] = {}
    yard_manager: dict[int, Person] = {}
    for yard in sorted(courtyards, key=lambda p: p.sort_key):
        card = yard_card[yard.pk] = book.card(dh, AccountKind.COURTYARD, f"{yard.name}院落集体卡", at=t0)
        people = by_top.get(yard.pk, [])
        manager = c.users[14].person if c.users[14].person.place_path.startswith(yard.path) else None
        manager = manager or next(p for p in people if 35 <= c.age(p) <= 75)
        yard_manager[yard.pk] = manager
        rows.add(AccountManager(community=dh, account=card, person=manager, created_at=t0))
        members = [p for p in people if p.pk in c.volunteers and p.pk not in taken and p.pk != me.pk]
        for p in dict.fromkeys([manager, *members[:8]]):
            rows.add(AccountMember(community=dh, account=card, person=p, created_at=t0))
            if p.pk in c.volunteers:
                card_of[p.pk] = card
    return Donghuanlu(
        c=c,
        caotanglu=caotanglu,
        rng=rng,
        rows=rows,
        book=book,
        dh=dh,
        u1=u1,
        u2=u2,
        u3=u3,
        start=start,
        t0=t0,
        places=places,
        courtyards=courtyards,
        compounds=compounds,
        residents=residents,
        by_top=by_top,
        elderly=elderly,
        in_service=in_service,
        me=me,
        disabled=disabled,
        vols=vols,
        adult_vols=adult_vols,
        elder_team=elder_team,
        party_team=party_team,
        helpers=helpers,
        card_of=card_of,
        yard_card=yard_card,
    )
