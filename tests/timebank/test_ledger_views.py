"""The ledger's pages: my points with the family gift and the card I manage, the staff's accounts and cards, an
account's entries with reversal, and the street's settlement and settings. Each refusal shows its Chinese message
and changes nothing; each page answers 404 to another community and 403 to a lower role."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.timebank.models.ledger import Account, AccountManager, Entry, Transaction
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.services.accounts import account_open
from gongzhi.timebank.services.ledger import points_clear, points_spend, transaction_reverse
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import Bank, key, make_elder, set_street_rules, user_of

pytestmark = pytest.mark.django_db


def state() -> tuple[int, int, tuple[int, ...]]:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        tuple(Account.objects.order_by("id").values_list("balance", flat=True)),
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def url(name: str, *args: Any) -> str:
    return reverse(f"timebank:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def neighbour(bank: Bank) -> factories.Community:
    return factories.make_community(street=bank.site.street, name="邻居社区")


# --- my points -----------------------------------------------------------------------------------------------


def test_home_shows_my_balance_recent_entries_and_the_gift_form(bank: Bank):
    bank.issue(bank.alice_acct, 30)
    set_street_rules(bank.site.street, gift_monthly_limit=80)
    response = login(bank.alice_user).get(url("home", bank.site.community.pk))
    assert response.status_code == 200
    body = text(response)
    assert 'id="my-balance">30<' in body and "+30" in body and "服务" in body
    assert "本月还能赠送 80 积分" in body
    form = response.context["gift_form"]
    assert [label for _pk, label in form.fields["recipient"].choices] == [bank.bob.name]  # only her household
    assert 'id="tb-nav-home"' in body and "card-spend-form" not in body


def test_home_without_an_account_says_how_to_get_one(site):
    user = user_of(site.people[0])
    body = text(login(user).get(url("home", site.community.pk)))
    assert "您还没有积分账户" in body


def test_a_card_manager_sees_the_card_and_its_spend_form(bank: Bank):
    bank.issue(bank.card, 40, attributed_person=bank.alice)
    body = text(login(bank.carol_user).get(url("home", bank.site.community.pk)))
    assert f'id="card-{bank.card.pk}"' in body and "花园院落集体卡" in body and "使用集体卡积分" in body
    assert "card-spend-form" in body
    assert "card-spend-form" not in text(login(bank.alice_user).get(url("home", bank.site.community.pk)))


def test_home_of_another_community_is_404_and_anonymous_go_to_login(bank: Bank, other_site):
    stranger = user_of(other_site.people[0])
    assert login(stranger).get(url("home", bank.site.community.pk)).status_code == 404
    response = Client().get(url("home", bank.site.community.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


def gift_post(bank: Bank, **data: Any) -> Any:
    payload = {"recipient": bank.bob_acct.pk, "amount": 10, "memo": "给爸爸", "key": key("web-gift"), **data}
    return login(bank.alice_user).post(url("gift", bank.site.community.pk), payload)


def test_a_gift_from_the_page_moves_once_for_a_repeated_form(bank: Bank):
    bank.issue(bank.alice_acct, 50)
    first = gift_post(bank, key="same-form")
    assert first.status_code == 302
    again = gift_post(bank, key="same-form")
    assert again.status_code == 302
    assert (balance(bank.alice_acct), balance(bank.bob_acct)) == (40, 10)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"amount": 201}, 400, "超过每月赠送上限"),
        ({"amount": 60}, 409, "积分余额不足"),
        ({"amount": 0}, 400, "积分必须是正整数"),
        ({"amount": "x"}, 400, "积分必须是整数"),
        ({"amount": ""}, 400, "请填写积分"),
        ({"memo": "<script>alert(1)</script>"}, 400, "摘要"),
    ],
)
def test_a_bad_gift_shows_its_message_and_moves_nothing(bank: Bank, data, status, message):
    bank.issue(bank.alice_acct, 50)
    before = state()
    response = gift_post(bank, **data)
    assert response.status_code == status
    assert message in text(response)
    assert state() == before


def test_a_gift_outside_the_household_is_refused(bank: Bank):
    bank.issue(bank.alice_acct, 50)
    before = state()
    response = gift_post(bank, recipient=bank.carol_acct.pk)
    assert response.status_code == 400 and "只能赠送给同户的家庭成员" in text(response)
    assert state() == before


def spend_post(bank: Bank, user: Any, account: Account, **data: Any) -> Any:
    payload = {"amount": 10, "memo": "院落聚餐", "key": key("card"), **data}
    return login(user).post(url("card_spend", bank.site.community.pk, account.pk), payload)


def test_a_card_manager_spends_the_card_with_a_memo(bank: Bank):
    bank.issue(bank.card, 40, attributed_person=bank.alice)
    assert spend_post(bank, bank.carol_user, bank.card).status_code == 302
    assert balance(bank.card) == 30
    before = state()
    response = spend_post(bank, bank.carol_user, bank.card, memo="")
    assert response.status_code == 400 and "请填写集体卡积分的用途" in text(response)
    response = spend_post(bank, bank.carol_user, bank.card, amount=31)
    assert response.status_code == 409 and "积分余额不足" in text(response)
    assert state() == before


def test_only_the_cards_manager_spends_it_from_the_page(bank: Bank):
    bank.issue(bank.card, 40, attributed_person=bank.alice)
    other = account_open(actor=bank.secretary, community=bank.site.community, kind="party_org", name="党支部卡")
    bank.issue(other, 40)
    before = state()
    assert spend_post(bank, bank.alice_user, bank.card).status_code == 404  # a member, not a manager
    assert spend_post(bank, bank.carol_user, other).status_code == 404  # a manager of another card
    assert spend_post(bank, bank.secretary, bank.card).status_code == 403  # staff see it but do not spend it
    assert state() == before


# --- staff: accounts -----------------------------------------------------------------------------------------


def test_staff_list_accounts_by_kind_with_masked_names_and_totals(bank: Bank):
    bank.issue(bank.alice_acct, 30)
    response = login(bank.secretary).get(url("accounts", bank.site.community.pk))
    assert response.status_code == 200
    body = text(response)
    assert bank.alice.masked_name in body and bank.alice.name not in body
    totals = {t["kind"]: (t["count"], t["total"]) for t in response.context["totals"]}
    assert totals == {"individual": (3, 30), "courtyard": (1, 0), "issuance": (1, -30)}
    assert [a.kind for a in response.context["system"]] == ["issuance"]
    cards = login(bank.secretary).get(url("accounts", bank.site.community.pk), {"kind": "courtyard"})
    assert [a.pk for a in cards.context["page"]] == [bank.card.pk]


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.BUILDING_HEAD, Role.RESIDENT, Role.PROPERTY])
def test_a_lower_role_gets_403_on_the_staff_pages(bank: Bank, role):
    client = login(bank.staff[role])
    c = bank.site.community.pk
    assert client.get(url("accounts", c)).status_code == 403
    assert client.get(url("account_new", c)).status_code == 403
    assert client.post(url("account_new", c), {"kind": "courtyard", "name": "某卡"}).status_code == 403
    assert client.get(url("card_people", c, bank.card.pk)).status_code == 404  # a card they cannot see
    assert not Account.objects.filter(name="某卡").exists()


def test_another_communitys_staff_get_404_on_every_page(bank: Bank, other_staff):
    tx = bank.issue(bank.alice_acct, 5)
    client = login(other_staff[Role.SECRETARY])
    c = bank.site.community.pk
    for response in (
        client.get(url("home", c)),
        client.get(url("accounts", c)),
        client.get(url("account_new", c)),
        client.get(url("account_detail", c, bank.alice_acct.pk)),
        client.get(url("card_people", c, bank.card.pk)),
        client.post(url("transaction_reverse", c, tx.pk), {"reason": "错发"}),
        client.post(url("gift", c), {"recipient": bank.bob_acct.pk, "amount": 1, "key": "k"}),
        client.post(url("card_spend", c, bank.card.pk), {"amount": 1, "memo": "x", "key": "k"}),
    ):
        assert response.status_code == 404


def make_accounts(bank: Bank, n: int) -> None:
    for i in range(n):
        account_open(actor=bank.secretary, community=bank.site.community, kind="enterprise", name=f"企业{i}")


def test_the_accounts_page_has_a_constant_query_count(bank: Bank):
    client = login(bank.secretary)
    c = bank.site.community.pk
    client.get(url("accounts", c))  # warm the session and grants
    with queries(8) as small:
        client.get(url("accounts", c))
    make_accounts(bank, 30)
    with queries(len(small)):
        response = client.get(url("accounts", c))
    assert len(response.context["page"]) == 25


def test_staff_open_an_individual_account_by_id_number_and_a_card(bank: Bank):
    person = bank.site.people[6]
    client = login(bank.secretary)
    c = bank.site.community.pk
    response = client.post(url("account_new", c), {"kind": "individual", "id_number": person.id_number})
    account = Account.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == url("account_detail", c, account.pk)
    assert account.floor == 0
    response = client.post(url("account_new", c), {"kind": "enterprise", "name": "东环物业企业卡"})
    assert response.status_code == 302 and Account.objects.filter(kind="enterprise", name="东环物业企业卡").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "individual", "id_number": "110101199001010000"}, "本社区没有登记这个身份证号的居民"),
        ({"kind": "courtyard", "name": ""}, "请填写集体卡名称"),
        ({"kind": "issuance"}, "请选择账户类型"),
        ({"kind": "individual", "id_number": "", "floor": "-5"}, "本社区没有登记"),
    ],
)
def test_bad_account_forms_show_the_message(bank: Bank, data, message):
    before = Account.objects.count()
    response = login(bank.secretary).post(url("account_new", bank.site.community.pk), data)
    assert response.status_code == 400 and message in text(response)
    assert Account.objects.count() == before


def test_a_second_account_and_a_floor_below_the_rule_are_refused(bank: Bank):
    client = login(bank.secretary)
    c = bank.site.community.pk
    response = client.post(url("account_new", c), {"kind": "individual", "id_number": bank.alice.id_number})
    assert response.status_code == 400 and "已经有积分账户" in text(response)
    set_street_rules(bank.site.street, elderly_floor=-20)
    elder = make_elder(bank.site)
    data = {"kind": "individual", "id_number": elder.id_number, "floor": "-21"}
    response = client.post(url("account_new", c), data)
    assert response.status_code == 400 and "-20 到 0" in text(response)
    data["floor"] = "-20"
    assert client.post(url("account_new", c), data).status_code == 302
    assert Account.objects.get(person=elder).floor == -20


def test_staff_add_managers_and_members_to_a_card(bank: Bank):
    client = login(bank.secretary)
    c = bank.site.community.pk
    person = bank.site.people[6]
    response = client.post(url("card_people", c, bank.card.pk), {"role": "manager", "id_number": person.id_number})
    assert response.status_code == 302
    assert AccountManager.objects.filter(account=bank.card, person=person).exists()
    body = text(client.get(url("card_people", c, bank.card.pk)))
    assert person.masked_name in body and bank.alice.masked_name in body and person.name not in body
    again = client.post(url("card_people", c, bank.card.pk), {"role": "manager", "id_number": person.id_number})
    assert again.status_code == 409 and "已经在名单中" in text(again)
    missing = client.post(url("card_people", c, bank.card.pk), {"role": "member", "id_number": "1"})
    assert missing.status_code == 400 and "本社区没有登记" in text(missing)


def test_a_card_manager_who_is_not_staff_cannot_add_people(bank: Bank):
    response = login(bank.carol_user).post(
        url("card_people", bank.site.community.pk, bank.card.pk),
        {"role": "manager", "id_number": bank.alice.id_number},
    )
    assert response.status_code == 403
    assert not AccountManager.objects.filter(account=bank.card, person=bank.alice).exists()


# --- an account's entries and reversal -----------------------------------------------------------------------


def test_the_detail_shows_entries_with_running_balance_and_a_reverse_button_for_staff(bank: Bank):
    first = bank.issue(bank.alice_acct, 30)
    points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=12, memo="大米", idempotency_key=key())
    response = login(bank.secretary).get(url("account_detail", bank.site.community.pk, bank.alice_acct.pk))
    assert response.status_code == 200
    assert [(e.amount, e.running) for e in response.context["page"]] == [(-12, 18), (30, 30)]
    body = text(response)
    assert f'id="reverse-{first.pk}"' in body and bank.alice.masked_name in body
    own = login(bank.alice_user).get(url("account_detail", bank.site.community.pk, bank.alice_acct.pk))
    assert own.status_code == 200 and "reverse-form" not in text(own) and bank.alice.name in text(own)


def test_nobody_but_the_holder_and_staff_sees_an_account(bank: Bank):
    c = bank.site.community.pk
    assert login(bank.bob_user).get(url("account_detail", c, bank.alice_acct.pk)).status_code == 404  # family
    assert login(bank.staff[Role.GRID_WORKER]).get(url("account_detail", c, bank.alice_acct.pk)).status_code == 404
    assert login(bank.alice_user).get(url("account_detail", c, bank.card.pk)).status_code == 404  # a member
    assert login(bank.carol_user).get(url("account_detail", c, bank.card.pk)).status_code == 200  # its manager
    assert login(bank.secretary).get(url("account_detail", c, 999_999)).status_code == 404


def reverse_post(bank: Bank, tx: Transaction, reason: str = "错发", user: Any = None) -> Any:
    return login(user or bank.secretary).post(
        url("transaction_reverse", bank.site.community.pk, tx.pk), {"reason": reason, "account": bank.alice_acct.pk}
    )


def test_staff_reverse_a_wrong_posting_and_both_are_linked(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    response = reverse_post(bank, tx, "发错了人")
    assert response.status_code == 302
    assert response["Location"] == url("account_detail", bank.site.community.pk, bank.alice_acct.pk)
    reversal = Transaction.objects.get(reverses=tx)
    assert reversal.reason == "发错了人" and balance(bank.alice_acct) == 0
    body = text(login(bank.secretary).get(response["Location"]))
    assert f'href="#tx-{reversal.pk}" class="reversed-by-link"' in body
    assert f'href="#tx-{tx.pk}" class="reverses-link"' in body
    assert f'id="reverse-{tx.pk}"' not in body and f'id="reverse-{reversal.pk}"' not in body
    before = state()
    assert reverse_post(bank, tx, "再点一次").status_code == 302  # the same button again: the same reversal
    assert state() == before


def test_a_reversal_without_a_reason_is_refused_on_the_page(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    before = state()
    response = reverse_post(bank, tx, "  ")
    assert response.status_code == 400 and "冲正必须填写原因" in text(response)
    assert state() == before


def test_a_reversal_of_spent_points_shows_the_ledgers_message(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=20, memo="大米", idempotency_key=key())
    before = state()
    response = reverse_post(bank, tx)
    assert response.status_code == 409
    assert "积分已被使用" in text(response) and 'id="ledger-error"' in text(response)
    assert state() == before


def test_a_transaction_reversed_elsewhere_cannot_be_reversed_again(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key="api-key")
    before = state()
    response = reverse_post(bank, tx)
    assert response.status_code == 409 and "不能重复冲正" in text(response)
    assert state() == before


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.BUILDING_HEAD, Role.RESIDENT])
def test_a_lower_role_cannot_reverse(bank: Bank, role):
    tx = bank.issue(bank.alice_acct, 30)
    before = state()
    response = login(bank.staff[role]).post(url("transaction_reverse", bank.site.community.pk, tx.pk), {"reason": "x"})
    assert response.status_code == 403
    assert reverse_post(bank, tx, user=bank.alice_user).status_code == 403  # not even the holder
    assert state() == before


def test_the_detail_page_has_a_constant_query_count(bank: Bank):
    client = login(bank.secretary)
    target = url("account_detail", bank.site.community.pk, bank.alice_acct.pk)
    bank.issue(bank.alice_acct, 1)
    client.get(target)
    with queries(8) as small:
        client.get(target)
    for _i in range(30):
        tx = bank.issue(bank.alice_acct, 2)
    transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key=key())
    with queries(len(small)):
        response = client.get(target)
    assert len(response.context["page"]) == 25


# --- the street ----------------------------------------------------------------------------------------------


def clear(bank: Bank, community: Any, amount: int) -> Transaction:
    return points_clear(
        actor=bank.alice_user,
        account=bank.alice_acct,
        community=community,
        amount=amount,
        memo="通存通兑",
        idempotency_key=key(),
    )


def test_street_staff_see_who_owes_whom_and_export_it(bank: Bank, neighbour):
    bank.issue(bank.alice_acct, 100)
    clear(bank, neighbour.community, 40)
    client = login(bank.staff[Role.STREET_STAFF])
    response = client.get(url("street_settlement", bank.site.street.pk))
    assert response.status_code == 200
    body = text(response)
    assert "测试社区 应付 邻居社区 40 积分" in body
    export = client.get(url("street_settlement_export", bank.site.street.pk))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    assert [list(r) for r in book["往来明细"].iter_rows(values_only=True)] == [
        ["应付社区", "应收社区", "积分", "说明"],
        ["测试社区", "邻居社区", 40, "测试社区 应付 邻居社区 40 积分"],
    ]
    totals = {r[0]: r[1:] for r in book["各社区合计"].iter_rows(min_row=2, values_only=True)}
    assert totals == {"测试社区": (40, 0, -40), "邻居社区": (0, 40, 40)}
    assert AuditEvent.objects.filter(verb="timebank.settlement_export").count() == 1


def test_a_communitys_staff_see_their_own_rows_and_lower_roles_get_403(bank: Bank, neighbour):
    bank.issue(bank.alice_acct, 100)
    clear(bank, neighbour.community, 40)
    street = bank.site.street.pk
    response = login(bank.secretary).get(url("street_settlement", street))
    assert response.status_code == 200 and "测试社区 应付 邻居社区 40 积分" in text(response)
    assert "您只能看到本社区相关的往来" in text(response)
    assert login(bank.staff[Role.GRID_WORKER]).get(url("street_settlement", street)).status_code == 403
    assert login(bank.staff[Role.RESIDENT]).get(url("street_settlement_export", street)).status_code == 403


def test_another_street_gets_404_on_the_street_pages(bank: Bank, other_staff):
    street = bank.site.street.pk
    for role in (Role.STREET_STAFF, Role.SECRETARY):
        client = login(other_staff[role])
        assert client.get(url("street_settlement", street)).status_code == 404
        assert client.get(url("street_settlement_export", street)).status_code == 404
        assert client.get(url("street_settings", street)).status_code == 404
    assert login(bank.staff[Role.STREET_STAFF]).get(url("street_settlement", bank.site.community.pk)).status_code == 404


def test_the_settlement_page_has_a_constant_query_count(bank: Bank):
    client = login(bank.staff[Role.STREET_STAFF])
    target = url("street_settlement", bank.site.street.pk)
    bank.issue(bank.alice_acct, 1000)
    first = factories.make_community(street=bank.site.street, name="社区1")
    clear(bank, first.community, 5)
    client.get(target)
    with queries(6) as small:
        client.get(target)
    for i in range(2, 6):
        other = factories.make_community(street=bank.site.street, name=f"社区{i}")
        clear(bank, other.community, 5 * i)
    with queries(len(small)):
        response = client.get(target)
    assert len(response.context["debts"]) == 5


def test_street_staff_set_the_rules_on_the_page(bank: Bank):
    client = login(bank.staff[Role.STREET_STAFF])
    target = url("street_settings", bank.site.street.pk)
    response = client.get(target)
    assert response.status_code == 200 and 'value="200"' in text(response)
    data = {"elderly_floor": "-20", "elderly_age": "65", "gift_monthly_limit": "100", "clearing_limit": "3000"}
    assert client.post(target, data).status_code == 302
    row = LedgerSettings.objects.get(street=bank.site.street)
    assert (row.elderly_floor, row.elderly_age, row.gift_monthly_limit, row.clearing_limit) == (-20, 65, 100, 3000)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("elderly_floor", "-60", "老年人最低余额应在 -50 到 0 之间"),
        ("elderly_age", "30", "老年人年龄应在 50 到 100 岁之间"),
        ("gift_monthly_limit", "abc", "请填写整数"),
        ("clearing_limit", "", "请填写这一项"),
    ],
)
def test_bad_rules_show_their_message(bank: Bank, field, value, message):
    data = {"elderly_floor": "0", "elderly_age": "60", "gift_monthly_limit": "200", "clearing_limit": "5000"}
    response = login(bank.staff[Role.STREET_STAFF]).post(
        url("street_settings", bank.site.street.pk), {**data, field: value}
    )
    assert response.status_code == 400 and message in text(response)
    assert not LedgerSettings.objects.exists()


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.GRID_WORKER, Role.RESIDENT])
def test_community_roles_get_403_on_the_street_settings(bank: Bank, role):
    client = login(bank.staff[role])
    assert client.get(url("street_settings", bank.site.street.pk)).status_code == 403
    assert not LedgerSettings.objects.exists()


def test_the_nav_links_accounts_for_staff_only(bank: Bank):
    c = bank.site.community.pk
    assert 'id="tb-nav-accounts"' in text(login(bank.secretary).get(url("home", c)))
    assert 'id="tb-nav-accounts"' not in text(login(bank.alice_user).get(url("home", c)))


def adjust_post(bank: Bank, user: Any, **data: Any) -> Any:
    payload = {"amount": 15, "reason": "补录纸质台账", "key": key("adjust"), **data}
    return login(user).post(url("account_adjust", bank.site.community.pk, bank.alice_acct.pk), payload)


def test_staff_adjust_a_balance_on_the_detail_page(bank: Bank):
    detail = text(login(bank.secretary).get(url("account_detail", bank.site.community.pk, bank.alice_acct.pk)))
    assert 'id="adjust-form"' in detail
    assert adjust_post(bank, bank.secretary, key="once").status_code == 302
    assert adjust_post(bank, bank.secretary, key="once").status_code == 302  # the same form again
    assert balance(bank.alice_acct) == 15
    tx = Transaction.objects.get(kind="adjust")
    assert tx.reason == "补录纸质台账"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"reason": ""}, 400, "调整积分必须填写原因"),
        ({"amount": "0"}, 400, "非零整数"),
        ({"amount": "-1"}, 409, "积分余额不足"),
        ({"amount": "1.5"}, 400, "积分必须是整数"),
    ],
)
def test_a_bad_adjustment_shows_its_message(bank: Bank, data, status, message):
    before = state()
    response = adjust_post(bank, bank.secretary, **data)
    assert response.status_code == status and message in text(response)
    assert state() == before


def test_only_staff_adjust(bank: Bank, other_staff):
    before = state()
    assert adjust_post(bank, bank.alice_user).status_code == 403  # the holder sees the page, not the form
    assert 'id="adjust-form"' not in text(
        login(bank.alice_user).get(url("account_detail", bank.site.community.pk, bank.alice_acct.pk))
    )
    assert adjust_post(bank, bank.staff[Role.GRID_WORKER]).status_code == 404
    assert adjust_post(bank, other_staff[Role.SECRETARY]).status_code == 404
    assert state() == before


def test_the_nav_links_the_settlement_for_those_who_may_read_it(bank: Bank):
    c = bank.site.community.pk
    target = url("street_settlement", bank.site.street.pk)
    assert target in text(login(bank.secretary).get(url("home", c)))
    assert target not in text(login(bank.alice_user).get(url("home", c)))
    street_page = text(login(bank.staff[Role.STREET_STAFF]).get(target))
    assert url("street_settings", bank.site.street.pk) in street_page
    assert url("street_settings", bank.site.street.pk) not in text(login(bank.secretary).get(target))


def test_the_home_page_has_a_constant_query_count(bank: Bank):
    client = login(bank.carol_user)  # an individual account and a card
    target = url("home", bank.site.community.pk)
    bank.issue(bank.carol_acct, 1)
    bank.issue(bank.card, 1)
    client.get(target)
    with queries(11) as small:
        client.get(target)
    for _i in range(15):
        bank.issue(bank.carol_acct, 1)
        bank.issue(bank.card, 1)
    with queries(len(small)):
        response = client.get(target)
    assert len(response.context["individual_entries"]) == 10
