"""Resident-to-resident exchange: an offer of a skilled service needs the certificate, so does the helper of a
skilled request; only the helped resident confirms, which makes a pending service record of the helper's hours
at the helped's home; the grid worker's approval then posts the points. Every bad input changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.timebank.models.activities import RecordSource, RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus, Post, PostKind, PostStatus
from gongzhi.timebank.services.approval import record_approve
from gongzhi.timebank.services.exchange import (
    exchange_agree,
    exchange_cancel,
    exchange_confirm,
    post_close,
    post_create,
)
from gongzhi.timebank.services.skills import certificate_revoke, service_type_save
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import Bank, user_of
from tests.timebank.test_skills import certify, types_of

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        Post.objects.count(),
        tuple(Exchange.objects.order_by("id").values_list("status", flat=True)),
        ServiceRecord.objects.count(),
        ServiceRecipient.objects.count(),
        AuditEvent.objects.count(),
    )


def offer(bank: Bank, type_name: str = "代购代办", user=None, **kw) -> Post:
    return post_create(
        actor=user or bank.alice_user,
        kind=PostKind.OFFER,
        service_type=types_of(bank)[type_name],
        title=kw.pop("title", "我能帮忙"),
        **kw,
    )


def request(bank: Bank, type_name: str = "代购代办", user=None) -> Post:
    return post_create(
        actor=user or bank.carol_user,
        kind=PostKind.REQUEST,
        service_type=types_of(bank)[type_name],
        title="需要帮忙买菜",
        description="每周二上午",
    )


# --- posting ---------------------------------------------------------------------------------------------------


def test_a_resident_posts_an_offer_from_their_own_home(bank: Bank):
    post = offer(bank, description="周末有空")
    assert (post.kind, post.person, post.status) == (PostKind.OFFER, bank.alice, PostStatus.OPEN)
    assert post.place_path == bank.alice.place_path and post.community == bank.site.community
    assert AuditEvent.objects.filter(verb="timebank.post_create").count() == 1


def test_an_offer_of_a_skilled_service_needs_a_live_certificate(bank: Bank):
    types = types_of(bank)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        offer(bank, "理发")
    assert exc.value.code == "certificate_required"
    assert "“理发”需要有效的“理发”技能证书" in str(exc.value.message)
    assert state() == before
    certificate = certify(bank, bank.alice, types["理发"].required_skill)
    assert offer(bank, "理发").service_type == types["理发"]
    certificate_revoke(actor=bank.secretary, certificate=certificate, reason="复查未通过")
    with pytest.raises(ValidationFailed) as exc:
        offer(bank, "理发")
    assert exc.value.code == "certificate_required"


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"title": ""}, "bad_text", "请填写标题"),
        ({"title": "<b>x</b>"}, "bad_text", "标题"),
        ({"title": "帮" * 101}, "bad_text", "标题"),
        ({"kind": "gift"}, "bad_kind", "请选择“我能帮”或“我需要”"),
    ],
)
def test_bad_posts_are_refused_and_change_nothing(bank: Bank, kwargs, code, message):
    service_type = types_of(bank)["代购代办"]
    before = state()
    args = {"kind": PostKind.REQUEST, "title": "买菜", **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        post_create(actor=bank.carol_user, service_type=service_type, **args)
    assert exc.value.code == code and message in str(exc.value.message)
    assert state() == before


def test_an_inactive_service_type_cannot_be_posted(bank: Bank):
    service_type = types_of(bank)["门前三包"]
    service_type_save(
        actor=bank.secretary,
        community=bank.site.community,
        name="门前三包",
        points_per_hour=10,
        is_active=False,
        service_type=service_type,
    )
    service_type.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        post_create(actor=bank.alice_user, kind=PostKind.OFFER, service_type=service_type, title="扫地")
    assert exc.value.code == "service_type_inactive"


def test_posting_needs_a_resident_record_of_the_community(bank: Bank, other_staff):
    service_type = types_of(bank)["代购代办"]
    with pytest.raises(NotFound):
        post_create(actor=other_staff[Role.SECRETARY], kind="offer", service_type=service_type, title="帮")
    with pytest.raises(PermissionDenied) as exc:
        post_create(actor=bank.secretary, kind="offer", service_type=service_type, title="帮")
    assert exc.value.code == "no_person"
    assert not Post.objects.exists()


# --- agreeing --------------------------------------------------------------------------------------------------


def test_taking_up_an_offer_makes_the_actor_the_helped(bank: Bank):
    post = offer(bank)
    exchange = exchange_agree(actor=bank.carol_user, post=post)
    assert (exchange.helper, exchange.helped, exchange.status) == (bank.alice, bank.carol, ExchangeStatus.AGREED)


def test_taking_up_a_request_makes_the_actor_the_helper(bank: Bank):
    post = request(bank)
    exchange = exchange_agree(actor=bank.bob_user, post=post)
    assert (exchange.helper, exchange.helped) == (bank.bob, bank.carol)


def test_a_helper_of_a_skilled_request_needs_the_certificate(bank: Bank):
    types = types_of(bank)
    post = request(bank, "助浴")
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        exchange_agree(actor=bank.alice_user, post=post)
    assert exc.value.code == "certificate_required" and "“助浴”需要有效的“助浴”技能证书" in str(exc.value.message)
    assert state() == before
    certify(bank, bank.alice, types["助浴"].required_skill)
    assert exchange_agree(actor=bank.alice_user, post=post).helper == bank.alice


def test_an_offer_whose_certificate_was_revoked_cannot_be_taken_up(bank: Bank):
    certificate = certify(bank, bank.alice, types_of(bank)["理发"].required_skill)
    post = offer(bank, "理发")
    certificate_revoke(actor=bank.secretary, certificate=certificate, reason="复查未通过")
    with pytest.raises(ValidationFailed) as exc:
        exchange_agree(actor=bank.carol_user, post=post)
    assert exc.value.code == "certificate_required" and "发布人的证书已失效" in str(exc.value.message)


def test_bad_agreements_are_refused_and_change_nothing(bank: Bank, other_staff):
    post = request(bank)
    exchange_agree(actor=bank.bob_user, post=post)
    before = state()
    cases = [
        (bank.carol_user, ValidationFailed, "own_post", "不能接自己发布的互助信息"),
        (bank.bob_user, Duplicate, "already_agreed", "您已经接下这条互助信息"),
        (bank.alice_user, ValidationFailed, "request_taken", "已有邻居接下这个请求"),
        (bank.secretary, PermissionDenied, "no_person", ""),
        (other_staff[Role.SECRETARY], NotFound, "not_found", ""),
    ]
    for actor, error, code, message in cases:
        with pytest.raises(error) as exc:
            exchange_agree(actor=actor, post=post)
        assert exc.value.code == code and message in str(exc.value.message)
    post_close(actor=bank.carol_user, post=post)
    with pytest.raises(ValidationFailed) as exc:
        exchange_agree(actor=bank.alice_user, post=post)
    assert exc.value.code == "post_closed"
    assert state()[1:3] == before[1:3]


def test_only_the_poster_or_a_grid_worker_closes_a_post(bank: Bank, other_staff):
    post = offer(bank)
    with pytest.raises(PermissionDenied):
        post_close(actor=bank.carol_user, post=post)
    with pytest.raises(NotFound):
        post_close(actor=other_staff[Role.SECRETARY], post=post)
    post_close(actor=bank.staff[Role.GRID_WORKER], post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.CLOSED
    with pytest.raises(ValidationFailed) as exc:
        post_close(actor=bank.alice_user, post=post)
    assert exc.value.code == "post_closed"


# --- confirming ------------------------------------------------------------------------------------------------


def test_the_helped_confirms_and_a_pending_record_awaits_approval(bank: Bank):
    post = offer(bank, title="帮忙代购药品")
    exchange = exchange_agree(actor=bank.carol_user, post=post)
    today = timezone.localdate()
    exchange_confirm(actor=bank.carol_user, exchange=exchange, minutes=45, service_date=today)
    exchange.refresh_from_db()
    record = exchange.record
    assert exchange.status == ExchangeStatus.CONFIRMED and exchange.confirmed_at is not None
    assert (record.person, record.source, record.status) == (bank.alice, RecordSource.EXCHANGE, RecordStatus.PENDING)
    assert (record.minutes, record.service_date, record.content) == (45, today, "帮忙代购药品")
    assert record.ended_at - record.started_at == datetime.timedelta(minutes=45)
    assert record.place_id == bank.carol.household.place_id
    assert (record.place_path, record.grid_path) == (bank.carol.place_path, bank.carol.grid_path)
    assert record.service_type == post.service_type and record.transaction is None
    assert [r.person for r in record.recipients.all()] == [bank.carol]
    assert AuditEvent.objects.filter(verb="timebank.exchange_confirm").count() == 1


def test_a_past_days_help_is_put_at_noon(bank: Bank):
    exchange = exchange_agree(actor=bank.carol_user, post=offer(bank))
    now = timezone.now() + datetime.timedelta(days=2)
    day = timezone.localdate(now) - datetime.timedelta(days=1)
    exchange_confirm(actor=bank.carol_user, exchange=exchange, minutes=60, service_date=day, now=now)
    record = ServiceRecord.objects.get()
    assert timezone.localtime(record.ended_at).time() == datetime.time(12) and record.service_date == day


def test_the_grid_worker_approves_and_the_helper_earns(bank: Bank):
    exchange = exchange_agree(actor=bank.carol_user, post=offer(bank))  # 代购代办: 10 points an hour
    exchange_confirm(actor=bank.carol_user, exchange=exchange, minutes=90, service_date=timezone.localdate())
    record = ServiceRecord.objects.get()
    record_approve(actor=bank.secretary, record=record)
    record.refresh_from_db()
    bank.alice_acct.refresh_from_db()
    assert record.status == RecordStatus.APPROVED and bank.alice_acct.balance == 15


def test_only_the_helped_resident_confirms(bank: Bank, other_staff):
    exchange = exchange_agree(actor=bank.carol_user, post=offer(bank))
    today = timezone.localdate()
    before = state()
    cases = [
        (bank.alice_user, PermissionDenied),  # the helper
        (bank.bob_user, PermissionDenied),  # a neighbour
        (bank.staff[Role.GRID_WORKER], PermissionDenied),
        (other_staff[Role.SECRETARY], NotFound),
    ]
    for actor, error in cases:
        with pytest.raises(error) as exc:
            exchange_confirm(actor=actor, exchange=exchange, minutes=30, service_date=today)
        if error is PermissionDenied:
            assert "只有受助的居民可以确认服务" in str(exc.value.message)
    assert state() == before


@pytest.mark.parametrize(
    ("minutes", "days", "content", "code", "message"),
    [
        (0, 0, "", "bad_minutes", "服务时长应为 1 到 720 分钟"),
        (721, 0, "", "bad_minutes", "服务时长"),
        ("30", 0, "", "bad_minutes", "服务时长"),
        (30, 1, "", "bad_date", "服务日期应在约定之日"),
        (30, -3, "", "bad_date", "服务日期应在约定之日"),
        (30, 0, "<script>", "bad_text", "服务内容"),
    ],
)
def test_bad_confirmations_are_refused_and_change_nothing(bank: Bank, minutes, days, content, code, message):
    exchange = exchange_agree(actor=bank.carol_user, post=offer(bank))
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        exchange_confirm(
            actor=bank.carol_user,
            exchange=exchange,
            minutes=minutes,
            service_date=timezone.localdate() + datetime.timedelta(days=days),
            content=content,
        )
    assert exc.value.code == code and message in str(exc.value.message)
    assert state() == before


def test_an_exchange_is_confirmed_once_and_a_cancelled_one_never(bank: Bank):
    post = offer(bank)
    today = timezone.localdate()
    exchange = exchange_agree(actor=bank.carol_user, post=post)
    exchange_confirm(actor=bank.carol_user, exchange=exchange, minutes=30, service_date=today)
    before = state()
    with pytest.raises(Duplicate) as exc:
        exchange_confirm(actor=bank.carol_user, exchange=exchange, minutes=30, service_date=today)
    assert exc.value.code == "already_confirmed"
    with pytest.raises(ValidationFailed) as exc:
        exchange_cancel(actor=bank.alice_user, exchange=exchange)
    assert exc.value.code == "not_agreed"
    assert state() == before
    again = exchange_agree(actor=bank.carol_user, post=post)
    with pytest.raises(PermissionDenied):
        exchange_cancel(actor=bank.bob_user, exchange=again)
    exchange_cancel(actor=bank.alice_user, exchange=again)
    with pytest.raises(ValidationFailed) as exc:
        exchange_confirm(actor=bank.carol_user, exchange=again, minutes=30, service_date=today)
    assert exc.value.code == "exchange_cancelled" and "这次互助已经取消" in str(exc.value.message)
    assert ServiceRecord.objects.count() == 1


# --- pages -----------------------------------------------------------------------------------------------------


def test_the_list_shows_open_posts_with_masked_names(bank: Bank, other_staff):
    offer(bank, title="周末帮忙买菜")
    request(bank)
    closed = offer(bank, title="已经关了")
    post_close(actor=bank.alice_user, post=closed)
    url = reverse("timebank:exchange_list", args=[bank.site.community.pk])
    page = login(bank.bob_user).get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "周末帮忙买菜" in body and "需要帮忙买菜" in body and "已经关了" not in body
    assert bank.alice.masked_name in body and bank.alice.name not in body
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404


def test_posting_from_the_page_shows_the_chinese_message(bank: Bank):
    types = types_of(bank)
    client = login(bank.alice_user)
    url = reverse("timebank:exchange_new", args=[bank.site.community.pk])
    assert client.get(url + "?kind=offer").status_code == 200
    form = {"kind": "offer", "service_type": str(types["理发"].pk), "title": "上门理发"}
    refused = client.post(url, form)
    assert refused.status_code == 400 and "技能证书" in refused.content.decode() and not Post.objects.exists()
    empty = client.post(url, {**form, "title": "", "service_type": str(types["代购代办"].pk)})
    assert empty.status_code == 400 and "请填写标题" in empty.content.decode()
    ok = client.post(url, {**form, "service_type": str(types["代购代办"].pk)})
    post = Post.objects.get()
    assert ok.status_code == 302 and ok["Location"] == reverse(
        "timebank:post_detail", args=[bank.site.community.pk, post.pk]
    )


def test_agree_confirm_and_cancel_through_the_pages(bank: Bank, other_staff):
    post = offer(bank, title="陪老人聊天", type_name="助老陪伴")
    cid = bank.site.community.pk
    detail = reverse("timebank:post_detail", args=[cid, post.pk])
    carol = login(bank.carol_user)
    assert 'id="agree-submit"' in carol.get(detail).content.decode()
    assert 'id="agree-submit"' not in login(bank.alice_user).get(detail).content.decode()
    assert carol.post(reverse("timebank:post_agree", args=[cid, post.pk])).status_code == 302
    again = carol.post(reverse("timebank:post_agree", args=[cid, post.pk]))
    assert again.status_code == 409 and "您已经接下这条互助信息" in again.content.decode()
    exchange = Exchange.objects.get()
    confirm = reverse("timebank:exchange_confirm", args=[cid, exchange.pk])
    assert "confirm-submit" in carol.get(detail).content.decode()
    assert "confirm-submit" not in login(bank.alice_user).get(detail).content.decode()
    helper = login(bank.alice_user).post(confirm, {"minutes": "30", "service_date": timezone.localdate().isoformat()})
    assert helper.status_code == 403
    assert login(bank.bob_user).post(confirm, {"minutes": "30"}).status_code == 404  # not theirs to see
    assert login(other_staff[Role.SECRETARY]).post(confirm, {"minutes": "30"}).status_code == 404
    bad = carol.post(confirm, {"minutes": "0", "service_date": timezone.localdate().isoformat()})
    assert bad.status_code == 400 and "服务时长至少 1 分钟" in bad.content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    late = carol.post(confirm, {"minutes": "30", "service_date": future})
    assert late.status_code == 400 and "服务日期应在约定之日" in late.content.decode()
    assert not ServiceRecord.objects.exists()
    ok = carol.post(confirm, {"minutes": "40", "service_date": timezone.localdate().isoformat(), "content": "聊天"})
    assert ok.status_code == 302 and ServiceRecord.objects.get().minutes == 40
    assert "待审核" in carol.get(detail).content.decode()
    second = exchange_agree(actor=bank.bob_user, post=post)
    cancel = reverse("timebank:exchange_cancel", args=[cid, second.pk])
    assert login(bank.bob_user).post(cancel).status_code == 302
    second.refresh_from_db()
    assert second.status == ExchangeStatus.CANCELLED
    close = reverse("timebank:post_close", args=[cid, post.pk])
    assert carol.post(close).status_code == 403
    assert login(bank.alice_user).post(close).status_code == 302


def test_the_list_queries_do_not_grow_with_posts(bank: Bank):
    url = reverse("timebank:exchange_list", args=[bank.site.community.pk])
    client = login(bank.bob_user)
    offer(bank)
    exchange_agree(actor=bank.bob_user, post=request(bank))
    client.get(url)
    with queries(6) as small:
        client.get(url)
    people = list(Person.objects.filter(community=bank.site.community, account__isnull=True)[:6])
    users = [user_of(p) for p in people]
    for i in range(25):
        post_create(
            actor=users[i % len(users)],
            kind=PostKind.OFFER if i % 2 else PostKind.REQUEST,
            service_type=types_of(bank)["助老陪伴"],
            title=f"互助{i}",
        )
    with queries(len(small)):
        assert client.get(url).status_code == 200


def test_another_communitys_post_is_not_found(bank: Bank):
    other = factories.make_community(name="远方社区")
    post = offer(bank)
    stranger = user_of(other.people[0])
    with pytest.raises(NotFound):
        exchange_agree(actor=stranger, post=post)
    url = reverse("timebank:post_detail", args=[bank.site.community.pk, post.pk])
    assert login(stranger).get(url).status_code == 404
    own = reverse("timebank:post_detail", args=[other.community.pk, post.pk])
    assert login(stranger).get(own).status_code == 404
