"""公益集章打卡: staff set up a trail and its QR posters; a resident scanning a poster gets at most one stamp per poster
per day, and the stamp that fills the card grants the trail's points once and opens the next card."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.ledger import AccountKind, TransactionKind
from gongzhi.timebank.models.stamps import Stamp, StampCard, StampPoint, StampTrail
from gongzhi.timebank.predicates import own_person, require_staff
from gongzhi.timebank.services.accounts import individual_account, system_account
from gongzhi.timebank.services.posting import transfer_post

__all__ = ["STAMPS_MAX", "TRAIL_POINTS_MAX", "stamp_point_create", "stamp_scan", "trail_close", "trail_create"]

STAMPS_MAX = 100
TRAIL_POINTS_MAX = 1000


def _int_between(value: Any, low: int, high: int, message: str, code: Code, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(message, code=code, extra={"field": field})
    return value


@transaction.atomic
def trail_create(
    *,
    actor: User,
    community: Place,
    name: str,
    stamps_required: int,
    points: int,
    description: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> StampTrail:
    """Staff (书记/社工) start a stamp trail: a full card of `stamps_required` stamps earns `points`."""
    require_staff(actor, community, (Action.TIMEBANK_STAMPS,), _("只有社区工作人员可以设置集章活动"))
    name = clean_or_fail(name, label=_("集章活动"), max_length=100, field="name", required=_("请填写集章活动名称"))
    description = clean_or_fail(description, label=_("说明"), max_length=2000, field="description")
    stamps_required = _int_between(
        stamps_required,
        1,
        STAMPS_MAX,
        _("集满章数应为 1 到 %(max)s 之间的整数") % {"max": STAMPS_MAX},
        Code.BAD_STAMPS,
        "stamps_required",
    )
    points = _int_between(
        points,
        1,
        TRAIL_POINTS_MAX,
        _("奖励积分应为 1 到 %(max)s 之间的整数") % {"max": TRAIL_POINTS_MAX},
        Code.BAD_POINTS,
        "points",
    )
    starts_on = starts_on or timezone.localdate()
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed(_("结束日期不能早于开始日期"), code=Code.BAD_DATES, extra={"field": "ends_on"})
    trail = StampTrail(
        community=community,
        name=name,
        description=description,
        stamps_required=stamps_required,
        points=points,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    trail.full_clean()
    trail.save()
    audit.record(
        actor=actor,
        verb="timebank.trail_create",
        obj=trail,
        community_id=community.pk,
        after=audit.snapshot(trail, ["name", "stamps_required", "points", "starts_on", "ends_on"]),
    )
    return trail


@transaction.atomic
def trail_close(*, actor: User, trail: StampTrail) -> StampTrail:
    """Staff end a trail: its posters stop stamping; completed cards keep their points."""
    community: Place = trail.community
    require_staff(actor, community, (Action.TIMEBANK_STAMPS,), _("只有社区工作人员可以设置集章活动"))
    trail = StampTrail.objects.select_for_update().get(pk=trail.pk)
    if not trail.is_active:
        raise ValidationFailed(_("这个集章活动已经结束"), code=Code.TRAIL_INACTIVE)
    trail.is_active = False
    trail.save(update_fields=["is_active"])
    audit.record(
        actor=actor, verb="timebank.trail_close", obj=trail, community_id=community.pk, after={"active": False}
    )
    return trail


@transaction.atomic
def stamp_point_create(*, actor: User, trail: StampTrail, name: str, place: Place) -> StampPoint:
    """Staff add a service point to a trail; its poster's QR carries a random token that cannot be guessed, so a
    stamp needs a visit (or a photo of the poster, which the once-a-day rule keeps cheap)."""
    community: Place = trail.community
    require_staff(actor, community, (Action.TIMEBANK_STAMPS,), _("只有社区工作人员可以设置集章活动"))
    if not (place.pk == community.pk or place.path.startswith(community.path)):
        raise NotFound()
    name = clean_or_fail(name, label=_("打卡点"), max_length=100, field="name", required=_("请填写打卡点名称"))
    point = StampPoint(community=community, trail=trail, name=name, place=place, token=secrets.token_urlsafe(24))
    point.full_clean()
    point.save()
    audit.record(
        actor=actor,
        verb="timebank.stamp_point_create",
        obj=point,
        community_id=community.pk,
        after={"trail": trail.pk, "name": name, "place": place.pk},
    )
    return point


def _open_card(trail: StampTrail, person: Person) -> StampCard:
    """The person's open card on the trail, locked; made if there is none. Every scan of the person on the trail
    waits here for the one before it, so counting and completing happen one at a time; when two scans make the
    first card at once, the open-card constraint keeps one and the other locks it."""
    for _attempt in range(3):
        card: StampCard | None = (
            StampCard.objects.select_for_update().filter(trail=trail, person=person, completed_at__isnull=True).first()
        )
        if card is not None:
            return card
        last = StampCard.objects.filter(trail=trail, person=person).aggregate(n=Max("number"))["n"] or 0
        try:
            with transaction.atomic():
                StampCard.objects.create(community_id=trail.community_id, trail=trail, person=person, number=last + 1)
        except IntegrityError:
            continue
    raise ValidationFailed(_("集章卡正忙，请稍后再试"), code=Code.CARD_BUSY)


@transaction.atomic
def stamp_scan(*, actor: User, token: str, now: datetime.datetime | None = None) -> Stamp:
    """The actor's own resident record gets one stamp from the poster, at most once a day (the unique constraint
    decides a race); the stamp that fills the card completes it, grants the trail's points once (the card's
    idempotency key) and opens the next card."""
    point: StampPoint | None = (
        StampPoint.objects.select_related("trail", "community").filter(token=str(token or "")[:40]).first()
    )
    if point is None:
        raise NotFound()
    community: Place = point.community
    person = own_person(actor, community, _("只有本社区登记的居民可以集章"))
    trail: StampTrail = point.trail
    now = now or timezone.now()
    today = timezone.localdate(now)
    if (
        not trail.is_active
        or not point.is_active
        or today < trail.starts_on
        or (trail.ends_on is not None and today > trail.ends_on)
    ):
        raise ValidationFailed(
            _("“%(name)s”不在集章活动期间，不能打卡") % {"name": trail.name}, code=Code.TRAIL_INACTIVE
        )
    already = _("今天已经在“%(point)s”打过卡了，每个打卡点每天只能盖一个章，明天再来吧") % {"point": point.name}
    card = _open_card(trail, person)
    if Stamp.objects.filter(point=point, person=person, day=today).exists():
        raise Duplicate(already, code=Code.ALREADY_STAMPED)
    try:
        with transaction.atomic():
            stamp = Stamp.objects.create(
                community=community, card=card, point=point, person=person, day=today, created_at=now
            )
    except IntegrityError as exc:
        raise Duplicate(already, code=Code.ALREADY_STAMPED) from exc
    card.stamp_count += 1
    fields = ["stamp_count"]
    if card.stamp_count >= trail.stamps_required:
        card.completed_at = now
        card.transaction = transfer_post(
            actor=actor,
            community=community,
            kind=TransactionKind.EARN,
            postings=[
                (system_account(community, AccountKind.ISSUANCE), -trail.points),
                (individual_account(person), trail.points),
            ],
            memo=f"公益集章：{trail.name} 第{card.number}张卡集满",  # stored data, in Chinese like staff memos
            idempotency_key=f"stampcard:{card.pk}",
            attributed_person=person,
        )
        fields += ["completed_at", "transaction"]
    card.save(update_fields=fields)
    if card.completed_at is not None:
        StampCard.objects.create(community=community, trail=trail, person=person, number=card.number + 1)
    audit.record(
        actor=actor,
        verb="timebank.stamp_scan",
        obj=stamp,
        community_id=community.pk,
        after={
            "point": point.pk,
            "card": card.pk,
            "stamps": card.stamp_count,
            "completed": card.completed_at is not None,
        },
    )
    return stamp
