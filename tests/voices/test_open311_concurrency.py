"""A revocation racing Open311 POSTs on PostgreSQL: no request is accepted after the key is revoked."""

import pytest
from django.db import connection

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.voices.models import Open311Key, Voice
from gongzhi.voices.services.open311 import open311_key_issue, open311_key_revoke, open311_request_create
from tests.core.test_concurrency import race
from tests.voices.test_open311 import spec_post

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_posts_racing_a_revocation_are_all_accepted_before_it_or_refused(desk):
    secretary = desk.staff[Role.SECRETARY]
    key, raw = open311_key_issue(actor=secretary, community=desk.site.community, name="12345 市民热线")
    data = spec_post(raw)

    def work(i: int):
        if i == 4:
            return open311_key_revoke(actor=secretary, key=key)
        return open311_request_create(api_key=raw, community=None, data=data)

    results = race(9, work)
    assert isinstance(results[4], Open311Key)
    accepted = [r for r in results if isinstance(r, Voice)]
    refused = [r for r in results if isinstance(r, PermissionDenied)]
    assert len(accepted) + len(refused) == 8, results
    assert {r.code for r in refused} <= {"key_revoked"}
    assert Voice.objects.count() == len(accepted)
    revoked = AuditEvent.objects.get(verb="open311_key.revoke", object_id=str(key.pk))
    submitted = AuditEvent.objects.filter(verb="voice.submit").values_list("seq", flat=True)
    assert all(seq < revoked.seq for seq in submitted)  # each accepted POST committed before the revocation
