"""Racing sign-ups, check-ins and approvals on PostgreSQL: the session's row lock keeps exactly `capacity`
confirmed and a gap-free waitlist; a record is made, and its points posted, once."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError, Duplicate, ValidationFailed
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord, Session, SignUp, SignUpStatus
from gongzhi.timebank.models.ledger import Transaction
from gongzhi.timebank.services.approval import record_approve
from gongzhi.timebank.services.checkin import check_in, volunteer_code
from gongzhi.timebank.services.signups import signup_cancel, signup_create
from tests.core.test_concurrency import race
from tests.timebank.conftest import user_of
from tests.timebank.test_activities_world import DAY, first_session, local, make_activity, make_world, register, served

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
BEFORE = local(DAY, 8) - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


@pytest.mark.parametrize(("racers", "capacity"), [(20, 5), (8, 8), (6, 1)])
def test_racing_sign_ups_confirm_exactly_the_capacity_and_queue_the_rest(racers, capacity):
    world = make_world()
    session = first_session(make_activity(world, capacity=capacity))
    taken = {world.alice.pk, world.bob.pk, world.carol.pk, world.dave.pk}
    people = [p for p in world.site.people if p.pk not in taken][: racers - 3]
    users = [world.alice_user, world.bob_user, world.carol_user]
    for person in people:
        register(person)
        users.append(user_of(person))
    results = race(racers, lambda i: signup_create(actor=users[i], session=session, now=BEFORE))
    assert all(isinstance(r, SignUp) for r in results), results
    session.refresh_from_db()
    confirmed = SignUp.objects.filter(session=session, status=SignUpStatus.CONFIRMED).count()
    positions = sorted(
        SignUp.objects.filter(session=session, status=SignUpStatus.WAITLISTED).values_list(
            "waitlist_position", flat=True
        )
    )
    assert confirmed == session.confirmed_count == min(capacity, racers)
    assert positions == list(range(1, racers - confirmed + 1))


def test_racing_cancellations_move_the_waitlist_up_one_by_one():
    world = make_world()
    session = first_session(make_activity(world, capacity=2))
    people = [
        p for p in world.site.people if p.pk not in {world.alice.pk, world.bob.pk, world.carol.pk, world.dave.pk}
    ][:4]
    users = []
    for person in people:
        register(person)
        users.append(user_of(person))
    signups = [signup_create(actor=u, session=session, now=BEFORE) for u in users]  # 2 confirmed, 2 waiting
    results = race(2, lambda i: signup_cancel(actor=users[i], signup=signups[i], now=BEFORE))
    assert all(isinstance(r, SignUp) for r in results), results
    session.refresh_from_db()
    statuses = {s.pk: s.status for s in SignUp.objects.filter(session=session)}
    assert [statuses[s.pk] for s in signups] == [SignUpStatus.CANCELLED] * 2 + [SignUpStatus.CONFIRMED] * 2
    assert session.confirmed_count == 2


def test_racing_check_ins_of_one_code_make_one_record():
    world = make_world()
    session = first_session(make_activity(world))
    signup_create(actor=world.alice_user, session=session, now=BEFORE)
    code = volunteer_code(world.alice)
    results = race(6, lambda i: check_in(actor=world.organiser, session=session, code=code, now=local(DAY, 9)))
    assert sum(isinstance(r, ServiceRecord) for r in results) == 1
    assert all(isinstance(r, ServiceRecord | Duplicate) for r in results), results
    assert ServiceRecord.objects.count() == 1


def test_racing_approvals_post_the_points_once():
    world = make_world()
    record = served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    deciders = [world.organiser, world.secretary, world.social_worker] * 2
    results = race(6, lambda i: record_approve(actor=deciders[i], record=record))
    assert sum(isinstance(r, ServiceRecord) for r in results) == 1
    assert all(isinstance(r, ServiceRecord | ValidationFailed) for r in results), results
    assert not any(isinstance(r, ApplicationError) and r.code != "already_approved" for r in results)
    record.refresh_from_db()
    assert (record.status, record.points) == (RecordStatus.APPROVED, 20)
    assert Transaction.objects.count() == 1
    assert Session.objects.count() == 1
    assert ledger_check().ok
