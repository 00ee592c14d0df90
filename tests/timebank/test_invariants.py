"""The ledger's invariants under random operations (a hypothesis state machine): random earns, spends, gifts,
clearings, adjustments, reversals and repeated requests, each checked against a model of what should have happened.
After every step the deployment's total is zero, every balance is the sum of its entries and no account is below its
floor.

Each example runs in a savepoint that is rolled back, so the examples share one bank built once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from gongzhi.core.errors import ApplicationError, Duplicate, Overdraft, ValidationFailed
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import GIFT_MONTHLY_LIMIT, Account, Transaction, TransactionKind
from gongzhi.timebank.services.accounts import account_open
from gongzhi.timebank.services.ledger import (
    points_adjust,
    points_clear,
    points_gift,
    points_issue,
    points_spend,
    transaction_reverse,
)
from tests import factories
from tests.timebank.conftest import Bank, key, make_elder, set_street_rules, user_of

pytestmark = pytest.mark.django_db

CLEARING_LIMIT = 40  # low enough for two clearings to reach it

SETTINGS = settings(
    max_examples=12,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def world(bank: Bank) -> dict[str, Any]:
    set_street_rules(bank.site.street, elderly_floor=-20, clearing_limit=CLEARING_LIMIT)
    elder_person = make_elder(bank.site)
    elder = account_open(actor=bank.secretary, community=bank.site.community, kind="individual", person=elder_person)
    assert elder.floor == -20
    neighbour = factories.make_community(street=bank.site.street, name="邻居社区")
    return {"bank": bank, "elder": elder, "elder_user": user_of(elder_person), "neighbour": neighbour.community}


def test_random_operations_keep_the_ledger_right(world):
    bank: Bank = world["bank"]
    holders = [
        (bank.alice_acct, bank.alice_user),
        (bank.bob_acct, bank.bob_user),
        (bank.carol_acct, bank.carol_user),
        (world["elder"], world["elder_user"]),
        (bank.card, bank.carol_user),  # carol manages the card
    ]

    class Ledger(RuleBasedStateMachine):
        transactions = Bundle("transactions")

        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.floors = dict(Account.objects.values_list("pk", "floor"))
            self.balances = dict(Account.objects.values_list("pk", "balance"))
            self.postings: dict[int, dict[int, int]] = {}
            self.reversed: set[int] = set()
            self.gifted: dict[int, int] = {}
            self.requests: list[tuple[Any, Transaction]] = []

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        # the model

        def _floor(self, pk: int) -> int | None:
            if pk not in self.floors:
                self.floors[pk] = Account.objects.get(pk=pk).floor
            return self.floors[pk]

        def _overdraws(self, moves: dict[int, int]) -> bool:
            for pk, amount in moves.items():
                floor = self._floor(pk)
                if amount < 0 and floor is not None and self.balances.get(pk, 0) + amount < floor:
                    return True
            return False

        def _booked(self, tx: Transaction, call: Any) -> Transaction:
            moves = dict(tx.entries.values_list("account_id", "amount"))
            assert sum(moves.values()) == 0
            for pk, amount in moves.items():
                self.balances[pk] = self.balances.get(pk, 0) + amount
            self.postings[tx.pk] = moves
            self.requests.append((call, tx))
            return tx

        def _attempt(self, call: Any, expected_moves: dict[int, int] | None, refusal: type[Exception] | None) -> Any:
            """Runs the call; a refusal predicted by the model must happen, and nothing else may fail."""
            if refusal is not None:
                before = Transaction.objects.count()
                with pytest.raises(refusal):
                    call()
                assert Transaction.objects.count() == before
                return None
            tx = call()
            booked = self._booked(tx, call)
            if expected_moves is not None:
                mine = {pk: n for pk, n in self.postings[tx.pk].items() if pk in expected_moves}
                assert mine == expected_moves
            return booked

        # the operations

        @initialize()
        def start(self) -> None:
            assert ledger_check().ok

        @rule(target=transactions, who=st.integers(0, len(holders) - 1), amount=st.integers(1, 60))
        def earn(self, who: int, amount: int) -> Any:
            account, _user = holders[who]
            member = bank.alice if account.pk == bank.card.pk else None
            k = key()
            call = lambda: points_issue(  # noqa: E731
                actor=bank.secretary,
                account=account,
                amount=amount,
                memo="服务",
                idempotency_key=k,
                attributed_person=member,
            )
            return self._attempt(call, {account.pk: amount}, None)

        @rule(target=transactions, who=st.integers(0, len(holders) - 1), amount=st.integers(1, 60))
        def spend(self, who: int, amount: int) -> Any:
            account, user = holders[who]
            k = key()
            call = lambda: points_spend(  # noqa: E731
                actor=user, account=account, amount=amount, memo="兑换", idempotency_key=k
            )
            refusal = Overdraft if self._overdraws({account.pk: -amount}) else None
            return self._attempt(call, {account.pk: -amount}, refusal)

        @rule(
            target=transactions,
            who=st.integers(0, len(holders) - 1),
            amount=st.integers(-60, 60).filter(lambda n: n != 0),
        )
        def adjust(self, who: int, amount: int) -> Any:
            account, _user = holders[who]
            k = key()
            call = lambda: points_adjust(  # noqa: E731
                actor=bank.secretary, account=account, amount=amount, reason="补录纸质台账", idempotency_key=k
            )
            refusal = Overdraft if self._overdraws({account.pk: amount}) else None
            return self._attempt(call, {account.pk: amount}, refusal)

        @rule(target=transactions, forwards=st.booleans(), amount=st.integers(1, 120))
        def gift(self, forwards: bool, amount: int) -> Any:
            (sender, user), (recipient, _u) = (holders[0], holders[1]) if forwards else (holders[1], holders[0])
            k = key()
            call = lambda: points_gift(  # noqa: E731
                actor=user, sender=sender, recipient=recipient, amount=amount, memo="给家人", idempotency_key=k
            )
            refusal: type[Exception] | None = None
            if self.gifted.get(sender.pk, 0) + amount > GIFT_MONTHLY_LIMIT:
                refusal = ValidationFailed
            elif self._overdraws({sender.pk: -amount}):
                refusal = Overdraft
            tx = self._attempt(call, {sender.pk: -amount, recipient.pk: amount}, refusal)
            if tx is not None:
                self.gifted[sender.pk] = self.gifted.get(sender.pk, 0) + amount
            return tx

        @rule(target=transactions, amount=st.integers(1, 60))
        def clear(self, amount: int) -> Any:
            k = key()
            call = lambda: points_clear(  # noqa: E731
                actor=bank.alice_user,
                account=bank.alice_acct,
                community=world["neighbour"],
                amount=amount,
                memo="通存通兑",
                idempotency_key=k,
            )
            # What the home community owes the neighbour, from the model's balance of its clearing account.
            clearing = Account.objects.filter(
                community=bank.site.community, kind="clearing", counterpart=world["neighbour"]
            ).values_list("pk", flat=True)
            owed = self.balances.get(clearing[0], 0) if clearing else 0
            refusal: type[Exception] | None = None
            if owed + amount > CLEARING_LIMIT:
                refusal = ValidationFailed
            elif self._overdraws({bank.alice_acct.pk: -amount}):
                refusal = Overdraft
            return self._attempt(call, {bank.alice_acct.pk: -amount}, refusal)

        @rule(target=transactions, original=transactions)
        def reverse(self, original: Transaction | None) -> Any:
            if original is None:
                return None
            k = key()
            call = lambda: transaction_reverse(  # noqa: E731
                actor=bank.secretary, transaction=original, reason="更正", idempotency_key=k
            )
            moves = {pk: -n for pk, n in self.postings[original.pk].items()}
            refusal: type[ApplicationError] | None = None
            if original.kind == TransactionKind.REVERSE:
                refusal = ValidationFailed
            elif original.pk in self.reversed:
                refusal = Duplicate
            elif self._overdraws(moves):
                refusal = Overdraft
            tx = self._attempt(call, moves, refusal)
            if tx is not None:
                self.reversed.add(original.pk)
            return tx

        @rule(pick=st.integers(0, 10**6))
        def repeat(self, pick: int) -> None:
            """Sending any earlier request again answers with its transaction and moves nothing."""
            if not self.requests:
                return
            call, tx = self.requests[pick % len(self.requests)]
            count = Transaction.objects.count()
            assert call().pk == tx.pk
            assert Transaction.objects.count() == count

        # after every step

        @invariant()
        def ledger_is_consistent(self) -> None:
            report = ledger_check()
            assert report.ok, report
            actual = dict(Account.objects.values_list("pk", "balance"))
            assert {pk: n for pk, n in actual.items() if n} == {pk: n for pk, n in self.balances.items() if n}

    run_state_machine_as_test(Ledger, settings=SETTINGS)
