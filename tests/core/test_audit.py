import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from gongzhi.core import audit
from gongzhi.core.models import AuditChainHead, AuditEvent
from gongzhi.people.services import person_update
from tests import factories


@pytest.mark.django_db
def test_service_writes_one_chained_audit_event_with_before_and_after(site, staff):
    person = site.people[0]
    before_count = AuditEvent.objects.count()
    person_update(actor=staff["secretary"], person=person, name="李四光")
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before_count + 1
    assert event.verb == "person.update"
    assert event.actor_id == staff["secretary"].pk
    assert event.community_id == site.community.pk
    assert event.before["name"] == "张三明" and event.after["name"] == "李四光"
    # ID numbers never sit in the audit trail in full.
    assert "*" in event.after["id_number"]
    previous = AuditEvent.objects.get(chain=event.chain, seq=event.seq - 1)
    assert event.prev_hash == previous.hash


@pytest.mark.django_db
def test_verify_audit_passes_on_intact_chain(site, capsys):
    call_command("verify_audit")
    assert "审计链完整" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_verify_audit_reports_first_tampered_link(site):
    target = AuditEvent.objects.filter(chain=site.community.pk).order_by("seq")[2]
    # Tamper beneath the application, as an attacker with database access would.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
            cursor.execute("UPDATE core_auditevent SET verb = 'forged' WHERE id = %s", [target.pk])
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET verb = 'forged' WHERE id = %s", [target.pk])
    with pytest.raises(CommandError) as err:
        call_command("verify_audit")
    assert f"链 {site.community.pk}，第 {target.seq} 条" in str(err.value)
    assert "hash" in str(err.value)


@pytest.mark.django_db(transaction=True)
def test_deleted_last_event_is_detected_by_head():
    street = factories.make_street()
    last = AuditEvent.objects.filter(chain=0).order_by("-seq").first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
    broken = audit.verify_chains()
    assert street.pk and broken is not None and broken.reason == "head"


@pytest.mark.django_db
def test_audit_events_cannot_be_edited_or_deleted_through_the_orm(site):
    event = AuditEvent.objects.first()
    event.verb = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).verb != "changed"


@pytest.mark.django_db
def test_postgres_refuses_update_of_audit_rows(site):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="changed")
    assert AuditEvent.objects.get(pk=event.pk).verb == event.verb


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor=None, verb="x", community_id=None, object_type="t", object_id="1")
    assert not AuditChainHead.objects.filter(seq__gt=0, chain=999999).exists()
