"""The 社情民意 demo: 花园颐院's 双找 survey of 50 households and its 150 suggestions (survey + meetings), a year of
瀝雄 voices with realistic handling and ratings, a desk in every community, and a second load that changes nothing."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from gongzhi.core.models import AuditEvent, User
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.demo.voices import huayuan, lixiong
from gongzhi.demo.voices.load import load_voices_demo
from gongzhi.places.models import Household, Place
from gongzhi.voices.models import (
    Category,
    Channel,
    EventKind,
    Party,
    PartyMember,
    Route,
    Status,
    Survey,
    SurveyVisit,
    Voice,
    VoiceEvent,
)
from gongzhi.voices.selectors import surveys as survey_selectors
from gongzhi.voices.services.routing import route_for

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture
def demo():
    street = load_demo(residents_lixiong=300).street
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    made = load_voices_demo(street=street, password=DEMO_PASSWORD)
    communities = {p.name: p for p in Place.objects.filter(parent=street)}
    return street, communities, made


def test_huayuan_survey_covers_50_households_and_with_the_meetings_makes_150_suggestions(demo):
    """With, on the same load (the demo takes seconds), every community's desk."""
    _street, c, _made = demo
    _every_community_has_a_desk_and_the_demo_logins_act_for_their_parties(c)
    courtyard = Place.objects.get(community=c["东环路社区"], name="花园颐院")
    survey = Survey.objects.get(place=courtyard)
    assert Household.objects.filter(place_path__startswith=courtyard.path).count() == 50
    from_survey = Voice.objects.filter(survey_visit__survey=survey, channel=Channel.SURVEY)
    from_meetings = Voice.objects.filter(meeting__place=courtyard, channel=Channel.MEETING, suggestion__isnull=False)
    assert from_survey.count() == huayuan.SURVEY_NEEDS == 30
    assert from_meetings.count() == huayuan.MEETING_VOICES == 120
    assert from_survey.count() + from_meetings.count() == 150
    assert all(v.household_id for v in from_survey)
    assert sum(1 for v in from_survey if v.reporter_person_id) >= 20  # the household head, where there is one
    # Visits by the grid worker and the building head, some "no one home" first and revisited, some still due.
    by = Counter(SurveyVisit.objects.filter(survey=survey).values_list("visited_by__phone", flat=True))
    assert by["13800000003"] > 20 and by["13800000004"] >= 5
    grid = {r.name: (r.visited, r.total) for r in survey_selectors.survey_progress(survey=survey, by="grid")}
    assert sum(t for _v, t in grid.values()) == 50 and sum(v for v, _t in grid.values()) == 42
    buildings = survey_selectors.survey_progress(survey=survey, by="building")
    assert len(buildings) == 5 and sum(r.total for r in buildings) == 50
    worker = User.objects.get(phone="13800000003")
    due = survey_selectors.survey_households(actor=worker, survey=survey, filters={"state": "due"})
    states = Counter(survey_selectors.household_state(h) for h in due)
    assert states == {"todo": huayuan.NEVER_VISITED, "nobody_home": huayuan.STILL_NOBODY_HOME}
    revisited = [
        h
        for h, outcomes in _outcomes(survey).items()
        if outcomes[0] == "nobody_home" and outcomes[-1] in ("visited", "declined")
    ]
    assert len(revisited) == huayuan.REVISITED
    assert all(v.visited_at < timezone.now() for v in SurveyVisit.objects.filter(survey=survey))
    assert SurveyVisit.objects.filter(survey=survey, from_paper=True).exists()


def _outcomes(survey):
    out: dict[int, list[str]] = {}
    for h, outcome in (
        SurveyVisit.objects.filter(survey=survey).order_by("visited_at", "id").values_list("household_id", "outcome")
    ):
        out.setdefault(h, []).append(outcome)
    return out


def test_lixiong_has_a_year_of_handled_and_rated_voices_and_a_second_load_changes_nothing(demo):
    street, c, made = demo
    lx = c["瀝雄社区"]
    voices = Voice.objects.filter(community=lx)
    n = voices.count()
    assert n == lixiong.VOICES
    now = timezone.now()
    first, last = voices.order_by("created_at").first().created_at, voices.order_by("-created_at").first().created_at
    assert now - first > datetime.timedelta(days=330) and now - last < datetime.timedelta(days=7)
    # The statistics page counts by month: the twelve months before this one are full on any day of the month,
    # and this month holds only what came in before today (none at all on the 1st).
    today = timezone.localdate()
    months = Counter(timezone.localdate(t).replace(day=1) for t in voices.values_list("created_at", flat=True))
    full, month = [], lixiong.year_ago_month_start(today)
    while month < today.replace(day=1):
        full.append(month)
        month = (month + datetime.timedelta(days=31)).replace(day=1)
    assert len(full) == 12 and all(months[m] > 40 for m in full), months
    assert set(months) - set(full) <= {today.replace(day=1)}
    assert all(timezone.localdate(t) < today for t in voices.values_list("created_at", flat=True))
    codes = Counter(voices.values_list("category__code", flat=True))
    assert {"parking", "lighting", "fencing", "refuse", "security"} <= set(codes)
    closed = voices.filter(is_open=False).exclude(status=Status.MERGED)
    assert closed.count() > 0.85 * n
    late = [escalated for d, cl, escalated in closed.values_list("due_at", "closed_at", "escalated_at") if cl > d]
    assert 0.05 < len(late) / n < 0.12
    assert all(late), "a voice closed after its deadline without 督办"
    assert all(
        a and f and a <= f <= cl
        for a, f, cl in closed.exclude(status=Status.REJECTED).values_list(
            "accepted_at", "first_response_at", "closed_at"
        )
    )
    rejected = voices.filter(status=Status.REJECTED)
    assert rejected.exists() and all(r.public_reason for r in rejected)
    ratings = Counter(voices.filter(rating__isnull=False).values_list("rating", flat=True))
    assert sum(ratings.values()) > 0.5 * n and (ratings[4] + ratings[5]) > 0.75 * sum(ratings.values())
    assert voices.filter(reopen_count=1).count() >= 10
    assert 0.3 < voices.filter(is_public=True).count() / n < 0.5
    assert voices.filter(support_count__gt=1).count() > 20
    # The refuse room: one voice with its duplicates merged in and many supporters.
    room = voices.filter(merged__isnull=False).distinct().get()
    assert room.merged.count() == lixiong.CLUSTER_DUPLICATES
    assert room.support_count == 1 + lixiong.CLUSTER_DUPLICATES + lixiong.CLUSTER_ME_TOO
    # Timelines: every voice starts with its submission; accepted, replied, closed and rated steps are there.
    kinds = Counter(VoiceEvent.objects.filter(community=lx).values_list("kind", flat=True))
    assert kinds[EventKind.SUBMITTED] == n
    for kind in (EventKind.ACCEPTED, EventKind.REPLIED, EventKind.CLOSED, EventKind.RATED, EventKind.ESCALATED):
        assert kinds[kind] > 10, kind
    assert (
        kinds[EventKind.REJECTED] and kinds[EventKind.REOPENED] and kinds[EventKind.MERGED] and kinds[EventKind.ME_TOO]
    )
    assert all(e.created_at <= now for e in VoiceEvent.objects.filter(community=lx).only("created_at"))
    assert AuditEvent.objects.filter(verb="demo.voices_history", community_id=lx.pk).count() == 1
    _a_second_load_changes_nothing(street, made)


def _every_community_has_a_desk_and_the_demo_logins_act_for_their_parties(c):
    for community in c.values():
        cats = Category.objects.filter(community=community)
        assert {"parking", "lighting", "fencing", "refuse", "security", "other"} <= set(
            cats.values_list("code", flat=True)
        )
        assert Route.objects.filter(community=community, category__isnull=True, place=community).exists()
        kinds = set(Party.objects.filter(community=community).values_list("kind", flat=True))
        assert {"committee", "grid_worker", "street_dept", "utility"} <= kinds
    lx = c["瀝雄社区"]
    assert PartyMember.objects.filter(party__community=lx, party__kind="property", user__phone="13800000006").exists()
    assert PartyMember.objects.filter(party__community=lx, party__kind="committee", user__phone="13800000008").exists()
    dh = c["东环路社区"]
    assert PartyMember.objects.filter(
        party__community=dh, party__kind="grid_worker", user__phone="13800000003"
    ).exists()
    assert {"property", "owners_committee"} <= set(Party.objects.filter(community=lx).values_list("kind", flat=True))
    garden = Place.objects.get(community=lx, name="瀝雄花园")
    parking = Category.objects.get(community=lx, code="parking")
    assert route_for(community_id=lx.pk, category_id=parking.pk, place_path=garden.path).kind == "property"
    # The 物业 login sees the voices routed to its company.
    prop = User.objects.get(phone="13800000006")
    assert Voice.objects.visible_to(prop).filter(community=lx).count() > 50


def _a_second_load_changes_nothing(street, made):
    # How long the load takes is measured by bench/demo.py, not asserted here.
    assert made == 150 + lixiong.VOICES
    before = (Voice.objects.count(), VoiceEvent.objects.count(), SurveyVisit.objects.count(), Category.objects.count())
    assert load_voices_demo(street=street, password=DEMO_PASSWORD) == 0
    after = (Voice.objects.count(), VoiceEvent.objects.count(), SurveyVisit.objects.count(), Category.objects.count())
    assert before == after
