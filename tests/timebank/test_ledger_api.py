"""The ledger's JSON API: an account with its entries for its holder or staff, a family gift and a reversal, each
with an idempotency key, scoped like the pages and answering {code, message, extra}."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from gongzhi.timebank.models.ledger import Account, Entry, Transaction
from gongzhi.timebank.services.ledger import points_spend, transaction_reverse
from tests.conftest import login
from tests.timebank.conftest import Bank, key, set_street_rules, user_of

pytestmark = pytest.mark.django_db


def state() -> tuple[int, int, tuple[int, ...]]:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        tuple(Account.objects.order_by("id").values_list("balance", flat=True)),
    )


def post(client: Client, path: str, data: dict[str, Any], **headers: str) -> Any:
    return client.post(path, data, content_type="application/json", headers=headers)


def test_the_holder_reads_their_account_with_running_balances(bank: Bank):
    first = bank.issue(bank.alice_acct, 30)
    points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=10, memo="大米", idempotency_key=key())
    response = login(bank.alice_user).get(f"/api/timebank/accounts/{bank.alice_acct.pk}")
    assert response.status_code == 200
    data = response.json()
    assert (data["balance"], data["floor"], data["kind"], data["entry_count"]) == (20, 0, "individual", 2)
    assert [(e["amount"], e["balance_after"], e["kind"]) for e in data["entries"]] == [
        (-10, 20, "spend"),
        (30, 30, "earn"),
    ]
    assert data["entries"][1]["transaction"] == first.pk and data["entries"][1]["reversed_by"] is None


def test_staff_read_any_account_of_their_community_through_a_token(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    rev = transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key=key())
    _token, plain = api_token_create(actor=None, user=bank.secretary, name="台账")
    data = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get(f"/api/timebank/accounts/{bank.alice_acct.pk}").json()
    by_tx = {e["transaction"]: e for e in data["entries"]}
    assert by_tx[tx.pk]["reversed_by"] == rev.pk and by_tx[rev.pk]["reverses"] == tx.pk
    assert by_tx[rev.pk]["reason"] == "错发"


def test_nobody_else_reads_an_account(bank: Bank, other_staff):
    path = f"/api/timebank/accounts/{bank.alice_acct.pk}"
    for user in (bank.bob_user, bank.staff[Role.GRID_WORKER], other_staff[Role.SECRETARY]):
        response = login(user).get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert login(bank.secretary).get("/api/timebank/accounts/999999").status_code == 404
    assert Client().get(path).status_code == 401


def test_a_gift_through_the_api_moves_once_per_key(bank: Bank):
    bank.issue(bank.alice_acct, 50)
    client = login(bank.alice_user)
    path = f"/api/timebank/accounts/{bank.alice_acct.pk}/gift"
    body = {"recipient": bank.bob_acct.pk, "amount": 20, "memo": "给爸爸", "idempotency_key": "g-1"}
    first = post(client, path, body)
    assert first.status_code == 201 and first.json()["kind"] == "gift"
    again = post(client, path, body)
    assert again.json()["id"] == first.json()["id"]
    assert (Account.objects.get(pk=bank.alice_acct.pk).balance, Account.objects.get(pk=bank.bob_acct.pk).balance) == (
        30,
        20,
    )
    by_header = post(client, path, {"recipient": bank.bob_acct.pk, "amount": 1}, **{"Idempotency-Key": "g-2"})
    assert by_header.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": 51}, 400, "gift_limit"),
        ({"amount": 45}, 409, "overdraft"),
        ({"amount": 0}, 400, "bad_amount"),
        ({"idempotency_key": ""}, 400, "bad_idempotency_key"),
        ({"recipient": "carol"}, 400, "not_family"),
    ],
)
def test_a_bad_gift_through_the_api_is_refused_with_its_code(bank: Bank, body, status, code):
    set_street_rules(bank.site.street, gift_monthly_limit=50)
    bank.issue(bank.alice_acct, 40)
    payload = {"recipient": bank.bob_acct.pk, "amount": 5, "memo": "", "idempotency_key": key(), **body}
    if payload["recipient"] == "carol":
        payload["recipient"] = bank.carol_acct.pk
    before = state()
    response = post(login(bank.alice_user), f"/api/timebank/accounts/{bank.alice_acct.pk}/gift", payload)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert state() == before


def test_only_the_holder_gives_from_an_account(bank: Bank):
    bank.issue(bank.alice_acct, 40)
    body = {"recipient": bank.bob_acct.pk, "amount": 5, "idempotency_key": key()}
    before = state()
    assert post(login(bank.bob_user), f"/api/timebank/accounts/{bank.alice_acct.pk}/gift", body).status_code == 404
    staff = post(login(bank.secretary), f"/api/timebank/accounts/{bank.alice_acct.pk}/gift", body)
    assert staff.status_code == 403
    assert state() == before


def test_staff_reverse_through_the_api_once(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    client = login(bank.secretary)
    path = f"/api/timebank/transactions/{tx.pk}/reverse"
    first = post(client, path, {"reason": "错发", "idempotency_key": "r-1"})
    assert first.status_code == 201
    data = first.json()
    assert data["reverses"] == tx.pk and data["reason"] == "错发" and data["kind"] == "reverse"
    assert sorted(amount for _account, amount in data["entries"]) == [-30, 30]
    assert post(client, path, {"reason": "错发", "idempotency_key": "r-1"}).json()["id"] == data["id"]
    before = state()
    twice = post(client, path, {"reason": "错发", "idempotency_key": "r-2"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_reversed"
    assert state() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [({"reason": ""}, 400, "reason_required"), ({"reason": "<b>x</b>"}, 400, "bad_text"), ({}, 400, "reason_required")],
)
def test_a_bad_reversal_through_the_api_is_refused(bank: Bank, body, status, code):
    tx = bank.issue(bank.alice_acct, 30)
    before = state()
    response = post(
        login(bank.secretary), f"/api/timebank/transactions/{tx.pk}/reverse", {"idempotency_key": key(), **body}
    )
    assert response.status_code == status and response.json()["code"] == code
    assert state() == before


def test_reversing_spent_points_through_the_api_is_an_overdraft(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=25, memo="x", idempotency_key=key())
    response = post(
        login(bank.secretary),
        f"/api/timebank/transactions/{tx.pk}/reverse",
        {"reason": "错发", "idempotency_key": key()},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "overdraft" and response.json()["extra"]["reversal"] is True


def test_reversal_permissions(bank: Bank, other_staff, other_site):
    tx = bank.issue(bank.alice_acct, 30)
    path = f"/api/timebank/transactions/{tx.pk}/reverse"
    body = {"reason": "错发", "idempotency_key": key()}
    before = state()
    assert post(login(other_staff[Role.SECRETARY]), path, body).status_code == 404
    assert post(login(user_of(other_site.people[0])), path, body).status_code == 404
    assert post(login(bank.staff[Role.GRID_WORKER]), path, body).status_code == 403
    assert post(login(bank.alice_user), path, body).status_code == 403
    assert post(login(bank.secretary), "/api/timebank/transactions/999999/reverse", body).status_code == 404
    assert state() == before
