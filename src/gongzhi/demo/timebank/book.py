"""The demo's ledger, written in bulk: accounts, transactions and entries planned in memory, then inserted once.

`transfer_post` would take a row lock, an audit event and an UPDATE per movement (minutes for the demo's thousands
of postings) and stamp each with today's date; here every transaction still has balanced entries, every balance is
the sum of its account's entries (set when the account is inserted, never updated) and the deployment's total stays
zero, which `integrity.ledger_check` verifies. Every key starts with "demo:", so that no key the services derive
from a row's pk (f"record:{pk}:earn", f"redemption:{pk}:refund" …) can find a demo transaction instead of its own."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from gongzhi.core.models import User
from gongzhi.demo import bulk
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import ledger as rules
from gongzhi.timebank.models.ledger import Account, AccountKind, Entry, Transaction, TransactionKind

__all__ = ["Book"]

_SYSTEM_NAMES = {
    AccountKind.ISSUANCE: "{community}积分发行",
    AccountKind.REDEMPTION: "{community}积分兑换",
    AccountKind.CLEARING: "{community}与{other}清算",
}


@dataclass
class _Planned:
    tx: Transaction
    postings: list[tuple[Account, int]]
    attributed: Person | None


@dataclass
class Book:
    accounts: list[Account] = field(default_factory=list)
    planned: list[_Planned] = field(default_factory=list)
    _system: dict[tuple[int, str, int | None], Account] = field(default_factory=dict)
    _individual: dict[int, Account] = field(default_factory=dict)

    def _open(self, **fields: Any) -> Account:
        account = Account(balance=0, **fields)
        self.accounts.append(account)
        return account

    def system(self, community: Place, kind: AccountKind, counterpart: Place | None = None) -> Account:
        lookup = (community.pk, str(kind), counterpart.pk if counterpart else None)
        if lookup not in self._system:
            name = _SYSTEM_NAMES[kind].format(community=community.name, other=counterpart.name if counterpart else "")
            self._system[lookup] = self._open(
                community=community, kind=kind, counterpart=counterpart, name=name, floor=None
            )
        return self._system[lookup]

    def individual(self, person: Person, *, at: datetime.datetime) -> Account:
        if person.pk not in self._individual:
            self._individual[person.pk] = self._open(
                community_id=person.community_id,
                kind=AccountKind.INDIVIDUAL,
                person=person,
                name=person.name,
                floor=0,
                created_at=at,
            )
        return self._individual[person.pk]

    def has_individual(self, person: Person) -> bool:
        return person.pk in self._individual

    def card(self, community: Place, kind: AccountKind, name: str, *, at: datetime.datetime) -> Account:
        return self._open(community=community, kind=kind, name=name, floor=0, created_at=at)

    def post(
        self,
        *,
        community: Place,
        kind: TransactionKind,
        postings: list[tuple[Account, int]],
        memo: str,
        key: str,
        at: datetime.datetime,
        actor: User | None = None,
        attributed: Person | None = None,
        reverses: Transaction | None = None,
        reason: str = "",
        counterpart: Place | None = None,
    ) -> Transaction:
        """Plans one balanced transaction; ValueError if it does not balance or takes an account below its floor
        (the demo spends only what was earned before)."""
        if not key.startswith("demo:"):
            raise ValueError(f"demo ledger: key {key!r} does not start with demo:")
        rules.check_balanced(rules.Entry(id(account), amount) for account, amount in postings)
        for account, amount in postings:
            if rules.would_cross_limit(account.balance, amount, account.floor):
                raise ValueError(f"demo ledger: {account.name} would go below its floor")
        for account, amount in postings:
            account.balance += amount
        tx = Transaction(
            community=community,
            kind=kind,
            memo=memo,
            idempotency_key=key,
            reverses=reverses,
            reason=reason,
            counterpart=counterpart,
            created_by=actor,
            created_at=at,
        )
        self.planned.append(_Planned(tx, postings, attributed))
        return tx

    def reverse(
        self, original: Transaction, *, reason: str, key: str, at: datetime.datetime, actor: User | None
    ) -> Transaction:
        plan = next(p for p in self.planned if p.tx is original)
        return self.post(
            community=original.community,
            kind=TransactionKind.REVERSE,
            postings=[(account, -amount) for account, amount in plan.postings],
            memo="冲正",
            key=key,
            at=at,
            actor=actor,
            attributed=plan.attributed,
            reverses=original,
            reason=reason,
            counterpart=original.counterpart,
        )

    def flush_accounts(self) -> None:
        """Inserts the accounts with their final balances (everything has been planned by now)."""
        bulk.insert(Account, self.accounts, batch_size=1000)
        self.accounts = []

    def flush_ledger(self) -> None:
        """Inserts the transactions (a reversal after the one it reverses, so that its link has a key), then their
        entries."""
        first = [p.tx for p in self.planned if p.tx.reverses is None]
        bulk.insert(Transaction, first, batch_size=1000)
        bulk.insert(Transaction, [p.tx for p in self.planned if p.tx.reverses is not None], batch_size=1000)
        bulk.insert(
            Entry,
            [
                Entry(
                    community_id=account.community_id,
                    transaction=p.tx,
                    account=account,
                    amount=amount,
                    attributed_person=p.attributed,
                    created_at=p.tx.created_at,
                )
                for p in self.planned
                for account, amount in p.postings
            ],
            batch_size=2000,
        )
        self.planned = []
