"""Resident-to-resident exchange: a resident posts an offer ("我能帮") or a request ("我需要"), a neighbour takes it up,
and only the helped resident confirms that the help happened. The confirmation makes a pending service record of
the helper's hours for the grid worker to approve (activities' `record_approve` posts the points)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import RecordSource, RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus, Post, PostKind, PostStatus
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.predicates import in_community, is_own_person, own_person, require_exchange_party
from gongzhi.timebank.services.skills import has_live_certificate

__all__ = ["EXCHANGE_MINUTES_MAX", "exchange_agree", "exchange_cancel", "exchange_confirm", "post_close", "post_create"]

EXCHANGE_MINUTES_MAX = 12 * 60  # one confirmation is one day's help at most
TITLE_MAX = 100
DESCRIPTION_MAX = 2000
CONTENT_MAX = 200


def _certificate_required(service_type: ServiceType, *, poster: bool) -> ValidationFailed:
    values = {
        "type": service_type.name,
        "skill": service_type.required_skill.name if service_type.required_skill else "",
    }
    if poster:
        message = _("“%(type)s”需要有效的“%(skill)s”技能证书，发布人的证书已失效，暂时不能提供这项服务") % values
    else:
        message = _("“%(type)s”需要有效的“%(skill)s”技能证书，您还没有，请先参加社区的技能培训") % values
    return ValidationFailed(message, code=Code.CERTIFICATE_REQUIRED, extra={"skill": service_type.required_skill_id})


def _helper_certified(service_type: ServiceType, helper: Person, *, poster: bool = False) -> None:
    if service_type.required_skill_id is not None and not has_live_certificate(helper, service_type.required_skill_id):
        raise _certificate_required(service_type, poster=poster)


@transaction.atomic
def post_create(
    *, actor: User, kind: PostKind | str, service_type: ServiceType, title: str, description: str = ""
) -> Post:
    """The actor's own resident record posts an offer or a request in the service type's community. Offering a
    skilled service (理发, 助浴 …) needs the poster's live certificate of that skill."""
    community: Place = service_type.community
    person = own_person(actor, community, _("只有本社区登记的居民可以发布互助信息"))
    if kind not in PostKind.values:
        raise ValidationFailed(_("请选择“我能帮”或“我需要”"), code=Code.BAD_KIND, extra={"field": "kind"})
    if not service_type.is_active:
        raise ValidationFailed(
            _("这个服务类型已停用"), code=Code.SERVICE_TYPE_INACTIVE, extra={"field": "service_type"}
        )
    title = clean_or_fail(title, label=_("标题"), max_length=TITLE_MAX, field="title", required=_("请填写标题"))
    description = clean_or_fail(description, label=_("说明"), max_length=DESCRIPTION_MAX, field="description")
    if kind == PostKind.OFFER:
        _helper_certified(service_type, person)
    post = Post(
        community=community,
        kind=kind,
        person=person,
        service_type=service_type,
        title=title,
        description=description,
        place_path=person.place_path or community.path,
    )
    post.full_clean()
    post.save()
    audit.record(
        actor=actor,
        verb="timebank.post_create",
        obj=post,
        community_id=community.pk,
        after=audit.snapshot(post, ["kind", "person", "service_type", "title"]),
    )
    return post


def _lock_post(post: Post) -> Post:
    locked: Post = (
        Post.objects.select_for_update(of=("self",)).select_related("community", "service_type").get(pk=post.pk)
    )
    return locked


@transaction.atomic
def post_close(*, actor: User, post: Post) -> Post:
    """The poster (or a grid worker / staff approving help here) takes the post down; agreed exchanges stay and
    may still be confirmed."""
    post = _lock_post(post)
    community: Place = post.community
    if not is_own_person(actor, post.person_id):
        if not in_community(actor, community):
            raise NotFound()
        if not user_can(actor, Action.TIMEBANK_APPROVE_HELP, community):
            raise PermissionDenied(_("只有发布人可以关闭这条互助信息"))
    if post.status == PostStatus.CLOSED:
        raise ValidationFailed(_("这条互助信息已经关闭"), code=Code.POST_CLOSED)
    post.status = PostStatus.CLOSED
    post.save(update_fields=["status"])
    audit.record(
        actor=actor, verb="timebank.post_close", obj=post, community_id=community.pk, after={"status": post.status}
    )
    return post


@transaction.atomic
def exchange_agree(*, actor: User, post: Post) -> Exchange:
    """Another resident takes the post up: on an offer they become the helped, on a request the helper (who needs
    the certificate of a skilled service). Under the post's lock: a request is taken by one neighbour at a time,
    and one person has one live exchange per post."""
    post = _lock_post(post)
    community: Place = post.community
    person = own_person(actor, community, _("只有本社区登记的居民可以参加邻里互助"))
    if post.status != PostStatus.OPEN:
        raise ValidationFailed(_("这条互助信息已经关闭"), code=Code.POST_CLOSED)
    if post.person_id == person.pk:
        raise ValidationFailed(_("不能接自己发布的互助信息"), code=Code.OWN_POST)
    live = Exchange.objects.filter(post=post, status=ExchangeStatus.AGREED)
    if live.filter(helper=person).exists() or live.filter(helped=person).exists():
        raise Duplicate(_("您已经接下这条互助信息，请等待确认"), code=Code.ALREADY_AGREED)
    service_type: ServiceType = post.service_type
    if post.kind == PostKind.OFFER:
        helper, helped = post.person, person
        # The poster's certificate may have been revoked since posting.
        _helper_certified(service_type, helper, poster=True)
    else:
        if live.exists():
            raise ValidationFailed(_("已有邻居接下这个请求"), code=Code.REQUEST_TAKEN)
        helper, helped = person, post.person
        _helper_certified(service_type, helper)
    exchange = Exchange(community=community, post=post, helper=helper, helped=helped)
    exchange.full_clean()
    exchange.save()
    audit.record(
        actor=actor,
        verb="timebank.exchange_agree",
        obj=exchange,
        community_id=community.pk,
        after={"post": post.pk, "helper": helper.pk, "helped": helped.pk},
    )
    return exchange


def _lock_exchange(exchange: Exchange) -> Exchange:
    locked: Exchange = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("community", "post__service_type", "helper", "helped__household")
        .get(pk=exchange.pk)
    )
    return locked


def _check_date(service_date: Any, exchange: Exchange, today: datetime.date) -> datetime.date:
    earliest = timezone.localdate(exchange.created_at)
    if not isinstance(service_date, datetime.date) or not earliest <= service_date <= today:
        raise ValidationFailed(
            _("服务日期应在约定之日（%(earliest)s）到今天之间") % {"earliest": earliest.isoformat()},
            code=Code.BAD_DATE,
            extra={"field": "service_date"},
        )
    return service_date


@transaction.atomic
def exchange_confirm(
    *,
    actor: User,
    exchange: Exchange,
    minutes: int,
    service_date: datetime.date,
    content: str = "",
    now: datetime.datetime | None = None,
) -> Exchange:
    """Only the helped resident confirms that the help happened and for how long: a pending EXCHANGE service
    record of the helper's minutes, for the helped person (ServiceRecipient), placed at the helped's home so that
    their grid worker approves it. Once (under the exchange's lock)."""
    exchange = _lock_exchange(exchange)
    community: Place = exchange.community
    require_exchange_party(actor, exchange, exchange.helped_id, _("只有受助的居民可以确认服务"))
    if exchange.status == ExchangeStatus.CONFIRMED:
        raise Duplicate(_("这次互助已经确认过"), code=Code.ALREADY_CONFIRMED)
    if exchange.status == ExchangeStatus.CANCELLED:
        raise ValidationFailed(_("这次互助已经取消"), code=Code.EXCHANGE_CANCELLED)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= EXCHANGE_MINUTES_MAX:
        raise ValidationFailed(
            _("服务时长应为 1 到 %(max)s 分钟") % {"max": EXCHANGE_MINUTES_MAX},
            code=Code.BAD_MINUTES,
            extra={"field": "minutes"},
        )
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    service_date = _check_date(service_date, exchange, local_now.date())
    post: Post = exchange.post
    content = clean_or_fail(content, label=_("服务内容"), max_length=CONTENT_MAX, field="content") or post.title
    helped: Person = exchange.helped
    household = helped.household
    # The hour of the help is not asked: a past day's help is put at noon, today's as just ended.
    ended = local_now if service_date == local_now.date() else _noon(service_date, local_now.tzinfo)
    record = ServiceRecord(
        community=community,
        person=exchange.helper,
        service_type=post.service_type,
        source=RecordSource.EXCHANGE,
        content=content,
        place_id=household.place_id if household is not None else community.pk,
        place_path=helped.place_path or community.path,
        grid_path=helped.grid_path,
        service_date=service_date,
        started_at=ended - datetime.timedelta(minutes=minutes),
        ended_at=ended,
        minutes=minutes,
        status=RecordStatus.PENDING,
        recorded_by=actor,
        created_at=now,
    )
    record.full_clean()
    record.save()
    ServiceRecipient.objects.create(community=community, record=record, person=helped)
    exchange.status, exchange.record, exchange.confirmed_at = ExchangeStatus.CONFIRMED, record, now
    exchange.save(update_fields=["status", "record", "confirmed_at"])
    audit.record(
        actor=actor,
        verb="timebank.exchange_confirm",
        obj=exchange,
        community_id=community.pk,
        after={"record": record.pk, "minutes": minutes, "service_date": service_date.isoformat()},
    )
    return exchange


def _noon(day: datetime.date, tz: Any) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=tz)


@transaction.atomic
def exchange_cancel(*, actor: User, exchange: Exchange) -> Exchange:
    """Either resident calls off an agreed exchange before it is confirmed."""
    exchange = _lock_exchange(exchange)
    if not (is_own_person(actor, exchange.helper_id) or is_own_person(actor, exchange.helped_id)):
        if not in_community(actor, exchange.community):
            raise NotFound()
        raise PermissionDenied(_("只有参与互助的居民可以取消"))
    if exchange.status != ExchangeStatus.AGREED:
        raise ValidationFailed(_("已确认或已取消的互助不能再取消"), code=Code.NOT_AGREED)
    exchange.status = ExchangeStatus.CANCELLED
    exchange.save(update_fields=["status"])
    audit.record(
        actor=actor,
        verb="timebank.exchange_cancel",
        obj=exchange,
        community_id=exchange.community_id,
        after={"status": exchange.status},
    )
    return exchange
