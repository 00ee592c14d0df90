"""The audit trail: one event per service call, chained by SHA-256 per community so tampering shows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils import timezone

from gongzhi.core.models import AuditChainHead, AuditEvent, User

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | datetime):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def jsonable(data: Any) -> Any:
    """What the JSON column will give back, so that the stored value hashes the same as the fresh one."""
    return None if data is None else json.loads(canonical(data))


def event_hash(event: AuditEvent) -> str:
    body = canonical(
        [
            event.prev_hash,
            event.chain,
            event.seq,
            event.at.astimezone(UTC).isoformat(),
            event.actor_id,
            event.on_behalf_of,
            event.community_id,
            event.verb,
            event.object_type,
            event.object_id,
            event.before,
            event.after,
        ]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values for before/after; sensitive ones go through the model's audit mask."""
    masks: Mapping[str, Callable[[Any], Any]] = getattr(instance, "audit_masks", {})
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = value.pk
        out[name] = masks[name](value) if name in masks and value else value
    result: dict[str, Any] = jsonable(out)
    return result


@dataclass
class Entry:
    verb: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None


def record(
    *,
    actor: User | None,
    verb: str,
    obj: models.Model | None = None,
    community_id: int | None,
    before: Any = None,
    after: Any = None,
    on_behalf_of: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return record_many(
        actor=actor,
        community_id=community_id,
        on_behalf_of=on_behalf_of,
        entries=[Entry(verb, object_type, object_id, before, after)],
    )[0]


def record_many(
    *, actor: User | None, community_id: int | None, entries: list[Entry], on_behalf_of: str = ""
) -> list[AuditEvent]:
    """Appends entries to the community's chain. Must run inside the service's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit records are written inside the service transaction")
    chain = community_id or 0
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    if len(entries) == 1 and connection.vendor == "postgresql":
        event = _append_in_one_statement(chain, actor_id, on_behalf_of[:100], community_id, entries[0], now)
        if event is not None:
            transaction.on_commit(lambda: bump_version(chain))
            return [event]
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        head = AuditChainHead.objects.create(chain=chain)
    events = []
    prev, seq = head.hash, head.seq
    for entry in entries:
        seq += 1
        event = AuditEvent(
            chain=chain,
            seq=seq,
            at=now,
            actor_id=actor_id,
            on_behalf_of=on_behalf_of[:100],
            community_id=community_id,
            verb=entry.verb,
            object_type=entry.object_type,
            object_id=str(entry.object_id),
            before=jsonable(entry.before),
            after=jsonable(entry.after),
            prev_hash=prev,
        )
        event.hash = event_hash(event)
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    transaction.on_commit(lambda: bump_version(chain))
    return events


_APPEND_SQL = """
WITH head AS (SELECT seq, hash FROM {head} WHERE chain = %(chain)s FOR UPDATE),
next AS (
    SELECT head.seq + 1 AS seq, head.hash AS prev_hash,
           encode(sha256(convert_to(
               '["' || head.hash || '",' || %(chain)s::text || ',' || (head.seq + 1)::text || ',' || %(tail)s,
               'UTF8')), 'hex') AS hash
    FROM head
),
event AS (
    INSERT INTO {event} (chain, seq, at, actor_id, on_behalf_of, community_id, verb, object_type, object_id,
                         before, after, prev_hash, hash)
    SELECT %(chain)s, next.seq, %(at)s, %(actor_id)s, %(on_behalf_of)s, %(community_id)s, %(verb)s,
           %(object_type)s, %(object_id)s, %(before)s::jsonb, %(after)s::jsonb, next.prev_hash, next.hash
    FROM next
    RETURNING id, seq, prev_hash, hash
)
UPDATE {head} SET seq = event.seq, hash = event.hash FROM event WHERE {head}.chain = %(chain)s
RETURNING event.id, event.seq, event.prev_hash, event.hash
"""


def _append_in_one_statement(
    chain: int, actor_id: int | None, on_behalf_of: str, community_id: int | None, entry: Entry, now: datetime
) -> AuditEvent | None:
    """PostgreSQL: lock the head, hash, insert and move the head in one statement, the hash computed by sha256()
    over the very text `event_hash` hashes. Appends to one chain still serialize (that is the chain), but the head
    stays locked only for this statement and the commit, not for round trips to a busy client. None when the
    chain has no head yet: the caller creates it."""
    before, after = jsonable(entry.before), jsonable(entry.after)
    object_id = str(entry.object_id)
    # canonical([prev_hash, chain, seq, at, …]) with prev_hash and seq known only under the lock: the SQL writes
    # '["<prev_hash>",<chain>,<seq>,' and this tail completes the list.
    tail = canonical(
        [
            now.astimezone(UTC).isoformat(),
            actor_id,
            on_behalf_of,
            community_id,
            entry.verb,
            entry.object_type,
            object_id,
            before,
            after,
        ]
    )[1:]
    sql = _APPEND_SQL.format(
        head=connection.ops.quote_name(AuditChainHead._meta.db_table),
        event=connection.ops.quote_name(AuditEvent._meta.db_table),
    )
    params: dict[str, Any] = {
        "chain": chain,
        "tail": tail,
        "at": now,
        "actor_id": actor_id,
        "on_behalf_of": on_behalf_of,
        "community_id": community_id,
        "verb": entry.verb,
        "object_type": entry.object_type,
        "object_id": object_id,
        "before": None if before is None else canonical(before),
        "after": None if after is None else canonical(after),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, seq, prev_hash, digest = row
    event = AuditEvent(
        pk=pk,
        chain=chain,
        seq=seq,
        at=now,
        actor_id=actor_id,
        on_behalf_of=on_behalf_of,
        community_id=community_id,
        verb=entry.verb,
        object_type=entry.object_type,
        object_id=object_id,
        before=before,
        after=after,
        prev_hash=prev_hash,
        hash=digest,
    )
    event._state.adding = False
    return event


def version_key(community_id: int | None) -> str:
    return f"gongzhi:v:{community_id or 0}"


def bump_version(community_id: int | None) -> None:
    """Every write passes through here, so cached figures of the community go stale exactly when data changes."""
    try:
        cache.incr(version_key(community_id))
    except ValueError:
        cache.set(version_key(community_id), 1, None)


def data_version(community_id: int | None) -> int:
    return int(cache.get_or_set(version_key(community_id), 1, None) or 1)


@dataclass
class BrokenLink:
    chain: int
    seq: int
    event_id: int | None
    reason: str


def verify_chains() -> BrokenLink | None:
    """Walks every chain in order; returns the first link that does not hold."""
    heads = {h.chain: h for h in AuditChainHead.objects.all()}
    chains = sorted(set(AuditEvent.objects.values_list("chain", flat=True).distinct()) | set(heads))
    for chain in chains:
        prev, expected_seq = GENESIS, 1
        for event in AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000):
            if event.seq != expected_seq:
                return BrokenLink(chain, expected_seq, event.pk, "missing")
            if event.prev_hash != prev:
                return BrokenLink(chain, event.seq, event.pk, "prev_hash")
            if event_hash(event) != event.hash:
                return BrokenLink(chain, event.seq, event.pk, "hash")
            prev, expected_seq = event.hash, expected_seq + 1
        head = heads.get(chain)
        if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
            return BrokenLink(chain, expected_seq, None, "head")
    return None
