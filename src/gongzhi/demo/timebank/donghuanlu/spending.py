"""东环路's points: the approved records' earnings, the stamp trail, the 慈善超市's goods and services,
collective rewards, family gifts, 通存通兑 with 草堂路 and the yearly awards. Returns the build's figures."""

from __future__ import annotations

import datetime

from gongzhi.demo.timebank.donghuanlu.street import GOODS, STAMP_POINTS, Donghuanlu, months_before
from gongzhi.demo.timebank.history import at, record_approve
from gongzhi.people.models import Person
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord
from gongzhi.timebank.models.catalogue import Donation, Item, ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.models.ledger import Account, AccountKind, AccountManager, TransactionKind
from gongzhi.timebank.models.skills import Certificate
from gongzhi.timebank.models.stamps import Stamp, StampCard, StampPoint, StampTrail
from gongzhi.timebank.models.volunteers import Award


def spending(d: Donghuanlu) -> dict[str, int]:
    c = d.c
    caotanglu = d.caotanglu
    rng = d.rng
    rows = d.rows
    book = d.book
    dh = d.dh
    u1 = d.u1
    u2 = d.u2
    start = d.start
    t0 = d.t0
    places = d.places
    residents = d.residents
    in_service = d.in_service
    me = d.me
    card_of = d.card_of
    yard_card = d.yard_card
    records = d.records
    stats = d.stats
    certified = d.certified
    T = c.types
    # --- the approved records' points, in the order they were approved
    records.sort(key=lambda r: r.reviewed_at or c.now)
    duplicate: ServiceRecord | None = None
    for n, rec in enumerate(records, 1):
        if rec.status != RecordStatus.APPROVED:
            continue
        assert rec.reviewed_at is not None
        account = d.earner(rec.person, rec.reviewed_at, rec.card)
        record_approve(book, dh, rec, account, n)
        if duplicate is None and rec.card is None and rec.reviewed_at > c.now - datetime.timedelta(days=200):
            duplicate = rec
            # Entered a second time by hand from the paper sheet, then reversed with its reason.
            dup = book.post(
                community=dh,
                kind=TransactionKind.EARN,
                postings=[(book.system(dh, AccountKind.ISSUANCE), -rec.points), (account, rec.points)],
                memo=f"补录：{rec.content}",
                key=f"demo:record:{n}:manual",
                at=rec.reviewed_at + datetime.timedelta(hours=2),
                actor=u2,
                attributed=rec.person,
            )
            book.reverse(
                dup,
                reason="与已审核通过的志愿服务记录重复发放，予以冲正",
                key=f"demo:reverse:manual:{rec.person.pk}:{rec.service_date}",
                at=rec.reviewed_at + datetime.timedelta(days=1),
                actor=u1,
            )

    # --- the stamp trail
    trail = rows.add(
        StampTrail(
            community=dh,
            name="东环路公益集章打卡",
            description="在社区公益服务点扫码集章，每个点每天一次，集满 8 枚奖励 20 积分。",
            stamps_required=8,
            points=20,
            starts_on=months_before(c.today, 8),
        )
    )
    point_places = [dh, *(p for p in places.values() if p.name in STAMP_POINTS)]
    stamp_points = [
        rows.add(
            StampPoint(
                community=dh,
                trail=trail,
                name=name,
                place=point_places[i % len(point_places)],
                token=f"{rng.getrandbits(160):040x}",
            )
        )
        for i, name in enumerate(STAMP_POINTS)
    ]
    collectors = [c.users[10].person, *rng.sample(residents, 60)]
    for i, p in enumerate(dict.fromkeys(collectors)):
        full = i % 2 == 0
        count = 8 if full else rng.randint(1, 7)
        days = sorted(rng.sample(range((c.today - trail.starts_on).days - 1), count))
        stamp_card = rows.add(
            StampCard(
                community=dh,
                trail=trail,
                person=p,
                number=1,
                stamp_count=count,
                completed_at=at(trail.starts_on + datetime.timedelta(days=days[-1]), 17) if full else None,
                created_at=at(trail.starts_on + datetime.timedelta(days=days[0]), 10),
            )
        )
        for k, offset in enumerate(days):
            rows.add(
                Stamp(
                    community=dh,
                    card=stamp_card,
                    point=stamp_points[k % 8],
                    person=p,
                    day=trail.starts_on + datetime.timedelta(days=offset),
                    created_at=at(trail.starts_on + datetime.timedelta(days=offset), 10),
                )
            )
        if full:
            assert stamp_card.completed_at is not None
            stamp_card.transaction = book.post(
                community=dh,
                kind=TransactionKind.EARN,
                postings=[
                    (book.system(dh, AccountKind.ISSUANCE), -20),
                    (book.individual(p, at=stamp_card.completed_at), 20),
                ],
                memo="公益集章集满奖励",
                key=f"demo:stamps:{i}:complete",
                at=stamp_card.completed_at,
                attributed=p,
            )

    # --- spending: the 慈善超市 (donated goods, services of certified volunteers and a partner business)
    market = c.users[13]
    items: list[tuple[Item, int]] = []  # (item, units on the shelf)
    for name, price, donor, quantity in GOODS:
        item = rows.add(
            Item(
                community=dh,
                kind=ItemKind.GOODS,
                name=name,
                price=price,
                stock=0,
                provider_name="东环路慈善超市",
                provider_user=market,
                created_at=t0,
            )
        )
        for k, (donor_name, part) in enumerate(((donor, quantity // 2), ("新都区慈善总会", quantity - quantity // 2))):
            rows.add(
                Donation(
                    community=dh,
                    item=item,
                    donor=donor_name,
                    quantity=part,
                    note="爱心捐赠入库",
                    received_by=market,
                    received_at=t0 + datetime.timedelta(days=90 + 200 * k),
                )
            )
        items.append((item, quantity))
    barber = next((p for p, st in certified if st.name == "理发"), None)
    services = [
        rows.add(
            Item(
                community=dh,
                kind=ItemKind.SERVICE,
                name="上门理发一次（助残理发师）",
                price=20,
                service_type=T["理发"],
                provider_name=barber.name if barber else "琼花助残工坊",
                provider_person=barber,
                created_at=t0,
            )
        ),
        rows.add(
            Item(
                community=dh,
                kind=ItemKind.SERVICE,
                name="家电清洗一次",
                price=50,
                provider_name="东环家政服务部",
                created_at=t0,
            )
        ),
    ]
    redemptions: list[Redemption] = []
    codes: set[str] = set()

    def redeem(account: Account, item: Item, when: datetime.datetime, status: str) -> Redemption:
        tx = book.post(
            community=dh,
            kind=TransactionKind.SPEND,
            postings=[(account, -item.price), (book.system(dh, AccountKind.REDEMPTION), item.price)],
            memo=f"兑换：{item.name}",
            key=f"demo:redemption:{len(redemptions) + 1}:reserve",
            at=when,
            actor=account.person.account if account.person else None,
            attributed=account.person,
        )
        while True:
            code = f"{rng.randrange(10**6):06d}"
            if code not in codes:
                codes.add(code)
                break
        red = rows.add(
            Redemption(
                community=dh,
                item=item,
                account=account,
                person=account.person,
                points=item.price,
                code=code,
                token=f"{rng.getrandbits(160):040x}",
                status=status,
                expires_at=when + datetime.timedelta(days=item.code_valid_days),
                created_by=account.person.account if account.person else None,
                created_at=when,
                transaction=tx,
            )
        )
        if status == RedemptionStatus.COMPLETED:
            red.completed_by = item.provider_user or u2
            red.completed_at = when + datetime.timedelta(hours=rng.randint(1, 72))
        if status in (RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED):
            red.refund = book.reverse(
                tx,
                reason="居民取消兑换，积分退回"
                if status == RedemptionStatus.CANCELLED
                else "核销码过期未使用，积分退回",
                key=f"demo:redemption:{len(redemptions) + 1}:refund",
                at=red.expires_at if status == RedemptionStatus.EXPIRED else when + datetime.timedelta(days=2),
                actor=red.created_by if status == RedemptionStatus.CANCELLED else None,
            )
        redemptions.append(red)
        return red

    individuals = [a for a in book.accounts if a.kind == AccountKind.INDIVIDUAL and a.community_id == dh.pk]
    mine = book.individual(me, at=t0)
    shelf = {id(item): units for item, units in items}  # goods only; services have no stock
    year_ago = c.now - datetime.timedelta(days=365)
    for k in range(260):
        account = mine if k % 40 == 0 else rng.choice(individuals)
        item = services[k % 2] if k % 9 == 0 else items[k % len(items)][0]
        if account.balance < item.price + 20 or shelf.get(id(item), 1) <= 0:
            continue
        if id(item) in shelf:
            shelf[id(item)] -= 1
        when = year_ago + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 350))
        redeem(account, item, when, RedemptionStatus.COMPLETED)
    for k, state in enumerate([RedemptionStatus.RESERVED] * 8 + [RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED]):
        account = mine if k == 0 else next(a for a in rng.sample(individuals, 40) if a.balance >= 100)
        item = items[k % len(items)][0]
        reserved = state == RedemptionStatus.RESERVED
        when = c.now - datetime.timedelta(days=rng.randint(1, 5) if reserved else rng.randint(30, 90))
        if reserved:
            shelf[id(item)] -= 1
        redeem(account, item, when, state)
    for item, _units in items:
        item.stock = shelf[id(item)]

    # Card managers spend their card's points on collective rewards.
    for card, memo in (
        (yard_card[min(yard_card)], "院落集体奖励：购置扫帚、垃圾夹等清扫工具"),
        (card_of[in_service[0].pk], "党支部集体奖励：为结对老人购置取暖器"),
        (card_of[in_service[10].pk], "党支部集体奖励：慰问困难家庭"),
    ):
        amount = min(card.balance // 2, 300)
        if amount < 10:
            continue
        managers = [m.person for m in rows.of(AccountManager) if m.account is card]
        book.post(
            community=dh,
            kind=TransactionKind.SPEND,
            postings=[(card, -amount), (book.system(dh, AccountKind.REDEMPTION), amount)],
            memo=memo,
            key=f"demo:card:{card.name}:reward",
            at=c.now - datetime.timedelta(days=rng.randint(20, 200)),
            actor=managers[0].account,
        )

    # Family gifts: to parents in the same household, within the monthly limit.
    gifts = 0
    by_household: dict[int, list[Person]] = {}
    for p in residents:
        by_household.setdefault(p.household_id or 0, []).append(p)
    for account in sorted(individuals, key=lambda a: -a.balance):
        if gifts == 5:
            break
        giver = account.person
        assert giver is not None
        elders = [q for q in by_household.get(giver.household_id or 0, []) if q.pk != giver.pk and c.age(q) >= 60]
        if not giver.household_id or not elders or account.balance < 150:
            continue
        gifts += 1
        when = c.now - datetime.timedelta(days=30 * gifts + rng.randint(0, 20))
        book.post(
            community=dh,
            kind=TransactionKind.GIFT,
            postings=[(account, -50 - 10 * gifts), (book.individual(elders[0], at=when), 50 + 10 * gifts)],
            memo="赠送给家人",
            key=f"demo:gift:{giver.pk}:{when:%Y%m}",
            at=when,
            actor=giver.account,
        )

    # 通存通兑: a few of 东环路's volunteers spend their points at 草堂路's exchange point.
    if caotanglu is not None:
        for k, account in enumerate([a for a in individuals if a.balance >= 120][:4]):
            amount = 30 + 10 * k
            book.post(
                community=dh,
                kind=TransactionKind.CLEAR,
                postings=[
                    (account, -amount),
                    (book.system(dh, AccountKind.CLEARING, caotanglu), amount),
                    (book.system(caotanglu, AccountKind.CLEARING, dh), -amount),
                    (book.system(caotanglu, AccountKind.REDEMPTION), amount),
                ],
                memo="通存通兑：在草堂路社区兑换生活用品",
                key=f"demo:clear:{account.person_id}:{k}",
                at=c.now - datetime.timedelta(days=40 - 7 * k),
                counterpart=caotanglu,
            )

    # Awards for the most active volunteers (part of their 志愿服务记录).
    minutes: dict[int, int] = {}
    for rec in records:
        if rec.status == RecordStatus.APPROVED:
            minutes[rec.person.pk] = minutes.get(rec.person.pk, 0) + rec.minutes
    top = sorted(minutes, key=lambda pk: -minutes[pk])[:12]
    for year in (start.year + 1, start.year + 2):
        for pk in dict.fromkeys([me.pk, *top]):
            if pk in c.volunteers:
                rows.add(
                    Award(
                        community=dh,
                        volunteer=c.volunteers[pk],
                        title=f"{year - 1}年度东环路社区优秀志愿者",
                        awarded_on=datetime.date(year, 1, 15),
                        issuer="东环路社区党委",
                        created_by=u1,
                    )
                )

    approved = [r for r in records if r.status == RecordStatus.APPROVED]
    return {
        "volunteers": len(c.volunteers),
        "records": len(records),
        "approved_minutes": sum(r.minutes for r in approved),
        "pending": stats["pending"],
        "redemptions": len(redemptions),
        "certificates": len(rows.of(Certificate)),
    }
