"""Two staff printing or reissuing at once: the topic lock keeps serials unique and one live sheet per household."""

import pytest
from django.db import connection

from gongzhi.deliberation.models import BallotSheet
from gongzhi.deliberation.services.sheets import sheet_issue, sheet_reissue
from tests.core.test_concurrency import race
from tests.deliberation.conftest import voting_topic

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_racing_prints_issue_each_household_once(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    results = race(4, lambda i: sheet_issue(actor=secretary, topic=topic))
    assert sorted(len(r) for r in results) == [0, 0, 0, 16]
    sheets = BallotSheet.objects.filter(topic=topic)
    assert sheets.count() == 16 == sheets.values("serial_no").distinct().count()


def test_racing_reissues_of_one_sheet_leave_one_live_sheet(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    sheet = sheet_issue(actor=secretary, topic=topic)[0]
    results = race(4, lambda i: sheet_reissue(actor=secretary, sheet=sheet, reason=f"遗失{i}"))
    assert sum(isinstance(r, BallotSheet) for r in results) == 1
    live = BallotSheet.objects.filter(topic=topic, household_id=sheet.household_id, voided_at__isnull=True)
    assert live.count() == 1 and live.get().replaces_id == sheet.pk
