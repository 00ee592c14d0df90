"""公益集章打卡: one stamp per poster per person per day, a full card grants the trail's points once through the
ledger and opens the next card; every bad scan says why in Chinese and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import Account, Transaction, TransactionKind
from gongzhi.timebank.models.stamps import Stamp, StampCard, StampPoint, StampTrail
from gongzhi.timebank.services.stamps import stamp_point_create, stamp_scan, trail_close, trail_create
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import Bank, user_of

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def trail_of(bank: Bank, stamps: int = 2, points: int = 20, **kw) -> StampTrail:
    return trail_create(
        actor=bank.secretary,
        community=bank.site.community,
        name="公益集章",
        stamps_required=stamps,
        points=points,
        **kw,
    )


def point_of(bank: Bank, trail: StampTrail, name: str = "垃圾分类站") -> StampPoint:
    return stamp_point_create(actor=bank.secretary, trail=trail, name=name, place=bank.site.compound)


def state() -> tuple:
    return (
        Stamp.objects.count(),
        tuple(StampCard.objects.order_by("id").values_list("stamp_count", "completed_at")),
        Transaction.objects.count(),
        AuditEvent.objects.count(),
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


# --- setting up ------------------------------------------------------------------------------------------------


def test_points_get_random_tokens(bank: Bank):
    trail = trail_of(bank)
    a, b = point_of(bank, trail), point_of(bank, trail, "社区书屋")
    assert a.token != b.token and len(a.token) >= 30


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"name": ""}, "bad_text", "请填写集章活动名称"),
        ({"stamps_required": 0}, "bad_stamps", "集满章数应为 1 到 100 之间的整数"),
        ({"stamps_required": 101}, "bad_stamps", "集满章数"),
        ({"points": 0}, "bad_points", "奖励积分应为 1 到 1000 之间的整数"),
        ({"ends_on": datetime.date(2000, 1, 1)}, "bad_dates", "结束日期不能早于开始日期"),
    ],
)
def test_bad_trails_are_refused_and_change_nothing(bank: Bank, kwargs, code, message):
    args = {"name": "集章", "stamps_required": 5, "points": 10, **kwargs}
    before = StampTrail.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        trail_create(actor=bank.secretary, community=bank.site.community, **args)
    assert exc.value.code == code and message in str(exc.value.message)
    assert (StampTrail.objects.count(), AuditEvent.objects.count()) == before


def test_trails_and_points_are_for_staff_of_the_community(bank: Bank, other_site, other_staff):
    trail = trail_of(bank)
    for actor, error in [
        (bank.alice_user, PermissionDenied),
        (bank.staff[Role.GRID_WORKER], PermissionDenied),
        (other_staff[Role.SECRETARY], NotFound),
    ]:
        with pytest.raises(error):
            trail_create(actor=actor, community=bank.site.community, name="集章", stamps_required=3, points=5)
        with pytest.raises(error):
            stamp_point_create(actor=actor, trail=trail, name="点", place=bank.site.compound)
        with pytest.raises(error):
            trail_close(actor=actor, trail=trail)
    with pytest.raises(NotFound):
        stamp_point_create(actor=bank.secretary, trail=trail, name="点", place=other_site.compound)
    assert StampTrail.objects.count() == 1 and not StampPoint.objects.exists()


# --- scanning --------------------------------------------------------------------------------------------------


def test_a_scan_stamps_the_open_card(bank: Bank):
    point = point_of(bank, trail_of(bank, stamps=3))
    stamp = stamp_scan(actor=bank.alice_user, token=point.token)
    card = stamp.card
    assert (stamp.person, stamp.point, stamp.day) == (bank.alice, point, timezone.localdate())
    assert (card.number, card.stamp_count, card.completed_at) == (1, 1, None)
    assert AuditEvent.objects.filter(verb="timebank.stamp_scan").count() == 1


def test_a_second_stamp_the_same_day_is_refused_and_changes_nothing(bank: Bank):
    point = point_of(bank, trail_of(bank, stamps=5))
    # Mid-morning, so that five minutes later is the same day whatever instant the suite runs at.
    now = timezone.localtime().replace(hour=10, minute=0)
    stamp_scan(actor=bank.alice_user, token=point.token, now=now)
    before = state()
    with pytest.raises(Duplicate) as exc:
        stamp_scan(actor=bank.alice_user, token=point.token, now=now + datetime.timedelta(minutes=5))
    assert exc.value.code == "already_stamped"
    assert "今天已经在“垃圾分类站”打过卡了" in str(exc.value.message)
    assert state() == before
    # Another poster the same day, and the same poster the next day, both stamp.
    stamp_scan(actor=bank.alice_user, token=point_of(bank, point.trail, "书屋").token, now=now)
    stamp_scan(actor=bank.alice_user, token=point.token, now=now + datetime.timedelta(days=1))
    assert StampCard.objects.get(person=bank.alice).stamp_count == 3
    # A housemate has a card of her own.
    stamp_scan(actor=bank.bob_user, token=point.token, now=now)
    assert StampCard.objects.get(person=bank.bob).stamp_count == 1


def test_the_stamp_that_fills_the_card_grants_the_points_once_and_opens_the_next(bank: Bank):
    trail = trail_of(bank, stamps=2, points=20)
    first, second = point_of(bank, trail), point_of(bank, trail, "书屋")
    now = timezone.now()
    stamp_scan(actor=bank.alice_user, token=first.token, now=now)
    assert balance(bank.alice_acct) == 0
    stamp = stamp_scan(actor=bank.alice_user, token=second.token, now=now)
    card = StampCard.objects.get(pk=stamp.card_id)
    assert card.completed_at is not None and card.stamp_count == 2
    tx = card.transaction
    assert (tx.kind, tx.idempotency_key) == (TransactionKind.EARN, f"stampcard:{card.pk}")
    assert balance(bank.alice_acct) == 20
    assert [e.attributed_person_id for e in tx.entries.all()] == [bank.alice.pk, bank.alice.pk]
    [open_card] = StampCard.objects.filter(person=bank.alice, completed_at__isnull=True)
    assert (open_card.number, open_card.stamp_count) == (2, 0)
    # The next day's stamps go on the second card.
    stamp_scan(actor=bank.alice_user, token=first.token, now=now + datetime.timedelta(days=1))
    open_card.refresh_from_db()
    assert open_card.stamp_count == 1 and balance(bank.alice_acct) == 20
    assert ledger_check().ok


def test_a_full_card_opens_an_account_for_a_resident_without_one(bank: Bank):
    person = factories.make_person(bank.site.community, bank.site.households[3], name="王小红")
    user = user_of(person)
    point = point_of(bank, trail_of(bank, stamps=1, points=5))
    stamp_scan(actor=user, token=point.token)
    assert Account.objects.get(person=person).balance == 5


def test_scans_outside_the_trail_are_refused_and_change_nothing(bank: Bank):
    today = timezone.localdate()
    later = trail_of(bank, starts_on=today + datetime.timedelta(days=3))
    ended = trail_of(bank, starts_on=today - datetime.timedelta(days=10), ends_on=today - datetime.timedelta(days=1))
    closed = trail_of(bank)
    closed_point = point_of(bank, closed)
    trail_close(actor=bank.secretary, trail=closed)
    retired = point_of(bank, trail_of(bank))
    StampPoint.objects.filter(pk=retired.pk).update(is_active=False)
    before = state()
    for point in (point_of(bank, later), point_of(bank, ended), closed_point, retired):
        with pytest.raises(ValidationFailed) as exc:
            stamp_scan(actor=bank.alice_user, token=point.token)
        assert exc.value.code == "trail_inactive" and "不在集章活动期间" in str(exc.value.message)
    assert state()[:3] == before[:3]


def test_a_scan_needs_a_known_poster_and_a_resident_of_its_community(bank: Bank, other_staff):
    point = point_of(bank, trail_of(bank))
    before = state()
    with pytest.raises(NotFound):
        stamp_scan(actor=bank.alice_user, token="guessed-token")
    with pytest.raises(NotFound):
        stamp_scan(actor=other_staff[Role.SECRETARY], token=point.token)
    with pytest.raises(PermissionDenied) as exc:
        stamp_scan(actor=bank.secretary, token=point.token)
    assert exc.value.code == "no_person" and "只有本社区登记的居民可以集章" in str(exc.value.message)
    assert state() == before


# --- pages -----------------------------------------------------------------------------------------------------


def test_the_poster_qr_opens_a_confirm_page_and_post_stamps(bank: Bank, other_staff):
    point = point_of(bank, trail_of(bank, stamps=1, points=8))
    cid = bank.site.community.pk
    url = reverse("timebank:stamp_scan", args=[cid, point.token])
    client = login(bank.alice_user)
    page = client.get(url)
    assert page.status_code == 200 and 'id="stamp-submit"' in page.content.decode()
    assert not Stamp.objects.exists()
    done = client.post(url)
    body = done.content.decode()
    assert done.status_code == 200 and 'id="stamped"' in body and "获得 8 积分" in body
    repeat = client.post(url)
    assert repeat.status_code == 409 and "今天已经在“垃圾分类站”打过卡了" in repeat.content.decode()
    assert Stamp.objects.count() == 1
    assert client.get(reverse("timebank:stamp_scan", args=[cid, "nope"])).status_code == 404
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404


def test_the_poster_is_for_staff_and_carries_the_absolute_scan_url(bank: Bank, other_staff):
    point = point_of(bank, trail_of(bank))
    url = reverse("timebank:stamp_poster", args=[bank.site.community.pk, point.pk])
    page = login(bank.secretary).get(url)
    body = page.content.decode()
    scan = reverse("timebank:stamp_scan", args=[bank.site.community.pk, point.token])
    assert page.status_code == 200 and "<svg" in body and f"http://testserver{scan}" in body
    assert login(bank.alice_user).get(url).status_code == 403
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404


def test_staff_set_up_a_trail_and_a_point_from_the_page(bank: Bank):
    cid = bank.site.community.pk
    client = login(bank.secretary)
    new = reverse("timebank:stamp_trail_new", args=[cid])
    bad = client.post(new, {"name": "", "stamps_required": "5", "points": "10"})
    assert bad.status_code == 400 and "请填写集章活动名称" in bad.content.decode()
    ok = client.post(new, {"name": "环保集章", "stamps_required": "5", "points": "10"})
    trail = StampTrail.objects.get()
    assert ok.status_code == 302 and (trail.stamps_required, trail.points) == (5, 10)
    point_url = reverse("timebank:stamp_point_new", args=[cid, trail.pk])
    missing = client.post(point_url, {"name": "书屋", "place": ""})
    assert missing.status_code == 400 and "请选择地点" in missing.content.decode()
    made = client.post(point_url, {"name": "书屋", "place": str(bank.site.compound.pk)})
    point = StampPoint.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"/stamps/points/{point.pk}/poster/")
    resident = login(bank.alice_user)
    assert resident.post(point_url, {"name": "x", "place": str(bank.site.compound.pk)}).status_code == 403
    assert resident.post(new, {"name": "x"}).status_code == 403
    listing = resident.get(reverse("timebank:stamp_list", args=[cid])).content.decode()
    assert "环保集章" in listing and point.token not in listing
    assert f'id="progress-{trail.pk}"' in listing
    staff_listing = client.get(reverse("timebank:stamp_list", args=[cid])).content.decode()
    assert "书屋" in staff_listing and f'id="progress-{trail.pk}"' not in staff_listing  # no card without a home
    assert client.post(reverse("timebank:stamp_trail_close", args=[cid, trail.pk])).status_code == 302
    trail.refresh_from_db()
    assert not trail.is_active


def test_the_list_shows_my_progress_in_the_same_queries_at_any_size(bank: Bank):
    cid = bank.site.community.pk
    url = reverse("timebank:stamp_list", args=[cid])
    trail = trail_of(bank, stamps=3)
    stamp_scan(actor=bank.alice_user, token=point_of(bank, trail).token)
    alice, staff = login(bank.alice_user), login(bank.secretary)
    body = alice.get(url).content.decode()
    assert 'value="1"' in body and "1 / 3" in body
    staff.get(url)
    with queries(7) as small_resident:
        alice.get(url)
    with queries(9) as small_staff:
        staff.get(url)
    now = timezone.now()
    for i in range(12):
        more = trail_of(bank, stamps=1 + i % 3)
        for j in range(2):
            point = point_of(bank, more, f"点{j}")
            stamp_scan(actor=bank.alice_user, token=point.token, now=now)
    with queries(len(small_resident)):
        assert alice.get(url).status_code == 200
    with queries(len(small_staff)):
        assert staff.get(url).status_code == 200
