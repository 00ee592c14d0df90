"""Racing 双找 writes on PostgreSQL: the survey row lock queues visits, and a close in the middle of them lets none
slip in after it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.core.errors import PhaseClosed
from gongzhi.core.roles import Role
from gongzhi.voices.models import Survey, SurveyVisit, Voice
from gongzhi.voices.services.surveys import NeedInput, survey_close, survey_create, survey_visit_record
from tests.core.test_concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def _survey(desk) -> Survey:
    return survey_create(
        actor=desk.staff[Role.SECRETARY],
        place=desk.site.compound,
        title="双找走访",
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
    )


def test_racing_visits_with_needs_all_land_with_their_voices(desk):
    survey = _survey(desk)
    households = desk.site.households[:8]

    def work(i: int):
        return survey_visit_record(
            actor=desk.staff[Role.SECRETARY] if i % 2 else desk.staff[Role.GRID_WORKER],
            survey=survey,
            household=households[i],
            outcome="visited",
            needs=[NeedInput(desk.categories["refuse"], f"第{i}户：垃圾桶满了")],
        )

    results = race(8, work)
    assert all(isinstance(r, SurveyVisit) for r in results), results
    assert SurveyVisit.objects.filter(survey=survey).count() == 8
    assert Voice.objects.filter(survey_visit__survey=survey).count() == 8


def test_a_close_racing_visits_leaves_no_visit_after_it(desk):
    survey = _survey(desk)
    households = desk.site.households[:7]

    def work(i: int):
        if i == 7:
            return survey_close(actor=desk.staff[Role.SECRETARY], survey=survey)
        return survey_visit_record(
            actor=desk.staff[Role.SECRETARY],
            survey=survey,
            household=households[i],
            outcome="visited",
            needs=[NeedInput(desk.categories["lighting"], "楼道灯坏了")],
        )

    results = race(8, work)
    assert isinstance(results[7], Survey)
    recorded = [r for r in results[:7] if isinstance(r, SurveyVisit)]
    refused = [r for r in results[:7] if isinstance(r, PhaseClosed) and r.code == "survey_closed"]
    assert len(recorded) + len(refused) == 7, results
    assert SurveyVisit.objects.filter(survey=survey).count() == len(recorded)
    assert Voice.objects.filter(survey_visit__survey=survey).count() == len(recorded)  # refused ones left no voice
    closed_at = Survey.objects.get(pk=survey.pk)
    assert closed_at.is_closed
