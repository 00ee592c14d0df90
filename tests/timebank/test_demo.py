"""The time bank demo: 东环路 at the article's scale (600+ volunteers, 230+ Party members, 3,000+ people served,
6,300+ hours, 8 self-organizations, 12/3/15 cards), a ledger that verifies, 杨西园村's cleaning roster, the
琼花观-style chain, the stamp trail, the demo logins' own data, and a second load that changes nothing."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import override_settings
from django.utils import timezone

from gongzhi.core.models import AuditEvent, User
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.demo.timebank.load import load_timebank_demo
from gongzhi.people.models import Person, PersonTag
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules.volunteer_age import age_on
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.activities import (
    Activity,
    RecordSource,
    RecordStatus,
    ServiceRecipient,
    ServiceRecord,
    Session,
    SignUp,
)
from gongzhi.timebank.models.catalogue import Item, Redemption
from gongzhi.timebank.models.exchange import Exchange
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, Account, AccountMember, Entry, Transaction
from gongzhi.timebank.models.skills import Certificate, ServiceType, TrainingAttendance
from gongzhi.timebank.models.stamps import StampCard, StampPoint, StampTrail
from gongzhi.timebank.models.volunteers import Award, Team, TeamKind, Volunteer, VolunteerStatus

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
COUNTED = (Volunteer, ServiceRecord, ServiceRecipient, Transaction, Entry, Account, Redemption)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, pinned_instant):
    """One demo street (a small 瀝雄) for the module, rolled back at the end. Dated from the pinned instant, so
    built again for each instant of --at-every-instant."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        street = load_demo(residents_lixiong=300).street
        load_timebank_demo(street=street, password=DEMO_PASSWORD)
        yield {p.name: p for p in Place.objects.filter(parent=street)}, street
        transaction.set_rollback(True)


def _age(birth: datetime.date) -> int:
    return age_on(birth, timezone.localdate())


def _approved(community: Place):
    return ServiceRecord.objects.filter(community=community, status=RecordStatus.APPROVED)


def test_donghuanlu_has_the_articles_figures(built):
    c, _street = built
    dh = c["东环路社区"]
    assert Person.objects.filter(community=dh, household__isnull=False).count() >= 3500
    volunteers = Volunteer.objects.filter(community=dh, status=VolunteerStatus.ACTIVE)
    assert 600 <= volunteers.count() <= 650
    party = PersonTag.objects.filter(tag__community=None, tag__key="party", person__in=volunteers.values("person"))
    assert party.values("person").distinct().count() >= 230
    served = ServiceRecipient.objects.filter(record__in=_approved(dh)).values("person").distinct().count()
    assert served >= 3000
    minutes = _approved(dh).aggregate(m=Sum("minutes"))["m"]
    assert minutes / 60 >= 6300
    assert Team.objects.filter(community=dh, kind=TeamKind.SELF_ORG, is_mature=True).count() == 8
    assert Team.objects.filter(community=dh, kind=TeamKind.TEAM).count() >= 2
    assert all(t.members.count() >= 10 for t in Team.objects.filter(community=dh))
    cards = Counter(Account.objects.filter(community=dh, kind__in=COLLECTIVE_KINDS).values_list("kind", flat=True))
    assert cards == {"party_org": 12, "enterprise": 3, "courtyard": 15}
    for card in Account.objects.filter(community=dh, kind__in=COLLECTIVE_KINDS):
        assert card.managers.exists() and card.members.count() >= 2, card.name
    # The 在职党员 of the unit Party organizations are registered here without a household.
    party_org_members = Person.objects.filter(
        pk__in=AccountMember.objects.filter(account__kind="party_org").values("person")
    )
    assert party_org_members.count() == 120 and not party_org_members.filter(household__isnull=False).exists()
    assert all(p.place_path == dh.path for p in party_org_members)
    # Every 院落集体卡 is a courtyard of the community.
    yards = set(Place.objects.filter(parent=dh, kind=PlaceKind.COURTYARD).values_list("name", flat=True))
    assert len(yards) == 15
    assert {
        n.removesuffix("院落集体卡")
        for n in Account.objects.filter(community=dh, kind="courtyard").values_list("name", flat=True)
    } == yards
    minors = [v for v in volunteers.select_related("person") if _age(v.person.birth_date) < 18]
    assert 1 <= len(minors) <= 10
    assert all(v.guardian_consent_at and v.guardian_name and v.guardian_relation for v in minors)


def test_history_over_two_and_a_half_years_with_a_realistic_mix(built):
    c, _street = built
    dh = c["东环路社区"]
    records = ServiceRecord.objects.filter(community=dh)
    first = records.order_by("service_date").first().service_date
    assert (timezone.localdate() - first).days > 900
    assert records.filter(service_date__gt=timezone.localdate()).count() == 0
    by_type = Counter(_approved(dh).values_list("service_type__name", flat=True))
    for name in ("助老陪伴", "门前三包", "保洁/环境整治", "代购代办", "理发", "助浴"):
        assert by_type[name] > 10, name
    statuses = Counter(records.values_list("status", flat=True))
    assert statuses["pending"] >= 10 and statuses["rejected"] >= 1 and statuses["disputed"] >= 1
    assert all(r.reject_reason for r in records.filter(status__in=["rejected", "disputed"]))
    assert all(r.dispute_reason and r.disputed_at for r in records.filter(status="disputed"))
    assert records.filter(source=RecordSource.EXCHANGE, status="approved").count() >= 20
    assert Exchange.objects.filter(community=dh, status="confirmed", record__isnull=False).count() >= 20
    # Hours are the actual time, inside the session's span; each session's count matches its sign-ups.
    for r in records.filter(session__isnull=False).select_related("session")[:500]:
        assert r.session.starts_at <= r.started_at <= r.ended_at <= r.session.ends_at
        assert r.minutes == (r.ended_at - r.started_at).total_seconds() // 60
    sessions = Session.objects.filter(community=dh).annotate(n=Count("signups", filter=Q(signups__status="confirmed")))
    assert all(s.confirmed_count == s.n <= s.capacity for s in sessions)
    assert SignUp.objects.filter(community=dh, status="waitlisted").exists()
    assert Activity.objects.filter(community=dh, recurrence="weekly").count() >= 3
    assert Activity.objects.filter(community=dh, recurrence="monthly", month_week=1, weekdays="6").exists()
    assert Activity.objects.filter(community=dh, recurrence="once").count() >= 5
    # Volunteers serve in activities only once registered.
    registered = dict(Volunteer.objects.values_list("person_id", "registered_on"))
    for person_id, day in ServiceRecord.objects.filter(session__isnull=False).values_list("person_id", "service_date"):
        assert registered[person_id] <= day
    upcoming = Session.objects.filter(community=dh, starts_at__gt=timezone.now())
    assert upcoming.count() >= 10 and not ServiceRecord.objects.filter(session__in=upcoming).exists()


def test_the_ledger_verifies_and_matches_the_records(built):
    c, _street = built
    dh, caotang = c["东环路社区"], c["草堂路社区"]
    report = ledger_check()
    assert report.ok, report
    assert report.entries_total == 0 and report.balances_total == 0
    assert Entry.objects.aggregate(s=Sum("amount"))["s"] == 0
    # The services derive keys from pks ("record:<pk>:earn", "redemption:<pk>:refund"): the demo's never collide.
    assert not Transaction.objects.exclude(idempotency_key__startswith="demo:").exists()
    approved = _approved(dh).select_related("transaction")
    assert not approved.filter(transaction__isnull=True).exists()
    assert not ServiceRecord.objects.exclude(status="approved").filter(transaction__isnull=False).exists()
    earned = {
        (e.transaction_id): e
        for e in Entry.objects.filter(community=dh, transaction__kind="earn", amount__gt=0).select_related("account")
    }
    for r in approved:
        entry = earned[r.transaction_id]
        assert entry.amount == r.points > 0
        assert entry.attributed_person_id == r.person_id
        if r.card_id:
            assert entry.account_id == r.card_id
        else:
            assert entry.account.kind == "individual" and entry.account.person_id == r.person_id
    on_cards = approved.filter(card__isnull=False)
    assert on_cards.filter(card__kind="party_org").count() > 100
    assert on_cards.filter(card__kind="courtyard").exists() and on_cards.filter(card__kind="enterprise").exists()
    # One reversal of a wrong posting with its reason; refunds of a cancelled and an expired redemption.
    reversals = Transaction.objects.filter(community=dh, kind="reverse")
    assert reversals.count() == 3 and all(t.reason and t.reverses_id for t in reversals)
    assert reversals.filter(reverses__kind="earn").count() == 1
    kinds = Counter(Transaction.objects.filter(community=dh).values_list("kind", flat=True))
    assert kinds["gift"] >= 3 and kinds["clear"] >= 3 and kinds["spend"] >= 100
    for gift in Transaction.objects.filter(community=dh, kind="gift"):
        people = [e.account.person for e in gift.entries.select_related("account__person")]
        assert people[0].household_id == people[1].household_id and -min(e.amount for e in gift.entries.all()) <= 200
    # 通存通兑 with 草堂路: each community's clearing account mirrors the other's.
    mine = Account.objects.get(community=dh, kind="clearing", counterpart=caotang)
    theirs = Account.objects.get(community=caotang, kind="clearing", counterpart=dh)
    assert mine.balance > 0 and mine.balance + theirs.balance == 0
    assert Account.objects.get(community=caotang, kind="redemption").balance == mine.balance


def test_the_catalogue_stock_and_redemptions(built):
    c, _street = built
    dh = c["东环路社区"]
    redemptions = Redemption.objects.filter(community=dh)
    statuses = Counter(redemptions.values_list("status", flat=True))
    assert statuses["completed"] >= 100 and statuses["reserved"] >= 5
    assert statuses["cancelled"] == statuses["expired"] == 1
    for red in redemptions.select_related("transaction", "refund"):
        assert red.transaction.kind == "spend" and red.points == red.item.price
        assert (red.refund_id is not None) == (red.status in ("cancelled", "expired"))
        if red.refund_id:
            assert red.refund.reverses_id == red.transaction_id and red.refund.reason
        assert (red.completed_at is not None) == (red.status == "completed")
    live = redemptions.filter(status="reserved")
    assert len(set(live.values_list("code", flat=True))) == live.count()
    assert all(r.expires_at > timezone.now() and len(r.code) == 6 for r in live)
    for item in Item.objects.filter(community=dh, kind="goods"):
        donated = item.donations.aggregate(q=Sum("quantity"))["q"]
        taken = item.redemptions.filter(status__in=["completed", "reserved"]).count()
        assert item.stock == donated - taken >= 0, item.name
    market = User.objects.get(phone="13800000013")
    assert Item.objects.filter(community=dh, provider_user=market).count() >= 5
    assert Redemption.objects.filter(completed_by=market).count() > 50


def test_the_trained_certified_served_chain(built):
    c, _street = built
    dh = c["东环路社区"]
    chain = ServiceType.objects.filter(community=dh, assisted_employment=True)
    assert set(chain.values_list("name", flat=True)) == {"理发", "助浴", "康复理疗"}
    assert all(t.required_skill is not None for t in chain)
    disabled = set(PersonTag.objects.filter(tag__key="disability", community=dh).values_list("person_id", flat=True))
    certificates = Certificate.objects.filter(community=dh).select_related("training", "skill")
    assert certificates.count() >= 6
    for cert in certificates:
        assert cert.person_id in disabled
        assert TrainingAttendance.objects.filter(training=cert.training, person=cert.person, passed=True).exists()
        assert cert.training.skill_id == cert.skill_id
    assert TrainingAttendance.objects.filter(community=dh, passed=False).exists()
    served = _approved(dh).filter(service_type__in=chain)
    assert served.count() >= 50
    holders = {(cert.person_id, cert.skill_id) for cert in certificates}
    for r in served.select_related("service_type"):
        assert (r.person_id, r.service_type.required_skill_id) in holders
        assert r.service_date >= certificates.get(person=r.person, skill=r.service_type.required_skill).issued_on
        ages = [_age(rec.person.birth_date) for rec in r.recipients.select_related("person")]
        assert ages and min(ages) >= 70


def test_the_stamp_trail(built):
    c, _street = built
    dh = c["东环路社区"]
    trail = StampTrail.objects.get(community=dh)
    assert StampPoint.objects.filter(trail=trail).count() == trail.stamps_required == 8
    cards = StampCard.objects.filter(trail=trail)
    assert cards.filter(completed_at__isnull=False).count() >= 20 and cards.filter(completed_at=None).count() >= 20
    for card in cards:
        assert card.stamps.count() == card.stamp_count
        assert (card.transaction_id is not None) == (card.stamp_count == trail.stamps_required)
        if card.transaction_id:
            entry = card.transaction.entries.get(amount__gt=0)
            assert entry.amount == trail.points and entry.account.person_id == card.person_id


def test_the_demo_logins_have_their_own_data(built):
    c, _street = built
    dh = c["东环路社区"]
    now = timezone.now()
    me = Person.objects.get(account__phone="13800000009")
    assert Volunteer.objects.filter(community=dh, person=me).exists()
    assert Account.objects.get(kind="individual", person=me).balance > 50
    assert _approved(dh).filter(person=me).count() >= 30
    assert SignUp.objects.filter(person=me, session__starts_at__gt=now, status="confirmed").count() >= 3
    assert Redemption.objects.filter(person=me, status="reserved").exists()
    assert Award.objects.filter(volunteer__person=me).exists()
    resident = Person.objects.get(account__phone="13800000010")
    assert Account.objects.get(kind="individual", person=resident).balance > 0
    for phone in ("13800000001", "13800000002"):
        organised = Activity.objects.filter(community=dh, organiser__phone=phone)
        assert organised.exists()
        assert ServiceRecord.objects.filter(session__activity__in=organised, status="pending").exists(), phone
    assert ServiceRecord.objects.filter(community=dh, status="pending", source="exchange").exists()
    manager = Person.objects.get(account__phone="13800000014")
    card = Account.objects.get(community=dh, kind="courtyard", managers__person=manager)
    assert card.name == "东环路26号院院落集体卡"
    assert User.objects.get(phone="13800000015").role_assignments.get().community == c["杨西园村"]


def test_yangxiyuan_cleaning_roster(built):
    c, _street = built
    village = c["杨西园村"]
    assert Volunteer.objects.filter(community=village).count() >= 200
    naturals = Place.objects.filter(community=village, kind=PlaceKind.NATURAL_VILLAGE)
    rosters = Activity.objects.filter(community=village, recurrence="weekly", weekdays="2,5")
    assert rosters.count() == naturals.count() == 22
    assert set(rosters.values_list("place_id", flat=True)) == set(naturals.values_list("pk", flat=True))
    big = Activity.objects.get(community=village, recurrence="monthly")
    assert (big.month_week, big.weekdays) == (1, "6")
    now = timezone.now()
    for activity in [*rosters, big]:
        sessions = Session.objects.filter(activity=activity)
        assert all(timezone.localtime(s.starts_at).isoweekday() in (2, 5, 6) for s in sessions)
        past = sessions.filter(starts_at__lt=now - datetime.timedelta(days=1))
        assert past.exists() and sessions.filter(starts_at__gt=now).exists()
        assert ServiceRecord.objects.filter(session__in=past, status="approved").exists()
        assert SignUp.objects.filter(session__starts_at__gt=now, session__activity=activity).exists()
    assert all(timezone.localtime(s.starts_at).day <= 7 for s in Session.objects.filter(activity=big))
    assert rosters.filter(organiser__phone="13800000005").count() == 1
    assert _approved(village).aggregate(m=Sum("minutes"))["m"] > 0


def test_one_audit_event_per_community_and_a_second_load_changes_nothing(built):
    # How long the load takes is measured by bench/demo.py, not asserted here.
    c, street = built
    events = AuditEvent.objects.filter(verb="demo.timebank")
    assert sorted(e.community_id for e in events) == sorted([c["东环路社区"].pk, c["杨西园村"].pk])
    before = [m.objects.count() for m in COUNTED]
    load_timebank_demo(street=street, password=DEMO_PASSWORD)
    assert [m.objects.count() for m in COUNTED] == before
    assert AuditEvent.objects.filter(verb="demo.timebank").count() == 2


def test_the_stats_selector_agrees(built):
    from gongzhi.timebank.selectors.stats import timebank_stats

    c, _street = built
    stats = timebank_stats(actor=User.objects.get(phone="13800000001"), community=c["东环路社区"])
    assert stats["volunteers"] >= 600 and stats["party_member_volunteers"] >= 230
    assert stats["people_served"] >= 3000 and stats["hours"] >= 6300 and stats["self_organizations"] == 8
    cards = stats["cards"]
    assert (cards["party_org"], cards["enterprise"], cards["courtyard"]) == (12, 3, 15)


def test_the_parts_services_work_on_the_demo_data(built):
    """The demo is data the services accept: the organiser approves a queued record, the 慈善超市 completes a
    live code, the demo volunteer redeems and signs up, and the next volunteer number is free."""
    from gongzhi.timebank.services.activities import sessions_extend
    from gongzhi.timebank.services.approval import record_approve
    from gongzhi.timebank.services.redemptions import redeem, redemption_complete
    from gongzhi.timebank.services.signups import signup_create
    from gongzhi.timebank.services.volunteers import volunteer_number

    c, _street = built
    dh = c["东环路社区"]
    social_worker, market = User.objects.get(phone="13800000002"), User.objects.get(phone="13800000013")
    queued = ServiceRecord.objects.filter(
        session__activity__organiser=social_worker, status="pending", card__isnull=True
    ).first()
    approved = record_approve(actor=social_worker, record=queued)
    assert approved.status == "approved" and approved.transaction.entries.filter(amount=approved.points).exists()

    live = Redemption.objects.filter(community=dh, status="reserved").exclude(person__account=None).first()
    stock = live.item.stock
    assert redemption_complete(actor=market, community=dh, code=live.code).status == "completed"
    assert Item.objects.get(pk=live.item_id).stock == stock

    me = User.objects.get(phone="13800000009")
    account = Account.objects.get(kind="individual", person__account=me)
    item = Item.objects.filter(community=dh, kind="goods", stock__gt=0, price__lte=account.balance).first()
    redeem(actor=me, item=item, idempotency_key="test-demo-redeem")
    assert Item.objects.get(pk=item.pk).stock == item.stock - 1
    assert Account.objects.get(pk=account.pk).balance == account.balance - item.price
    upcoming = (
        Session.objects.filter(community=dh, starts_at__gt=timezone.now(), is_cancelled=False)
        .exclude(signups__person__account=me)
        .filter(confirmed_count__lt=F("capacity"))
        .first()
    )
    assert signup_create(actor=me, session=upcoming).status == "confirmed"
    assert not Volunteer.objects.filter(community=dh, number=volunteer_number(dh)).exists()
    duty = Activity.objects.get(community=dh, title="院落门前三包·周六轮值")
    last = duty.sessions.order_by("-starts_at").first().starts_at
    added = sessions_extend(actor=User.objects.get(phone="13800000001"), activity=duty)
    assert all(s.starts_at > last for s in added)
    assert ledger_check().ok


def test_the_charity_shop_login_has_no_role_and_sees_no_ones_points(built):
    """The 慈善超市 is a partner business, not a member of the community: it completes its items' codes only."""
    from gongzhi.core.models import RoleAssignment
    from gongzhi.timebank.selectors.ledger import account_list

    market = User.objects.get(phone="13800000013")
    assert not RoleAssignment.objects.filter(user=market).exists()
    assert not account_list(actor=market).exists()
    assert not ServiceRecord.objects.visible_to(market).exists()
