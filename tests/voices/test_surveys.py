"""双找 surveys: opening and closing one, recording visits (with needs that become voices), every bad input,
progress per grid and per building, and who reaches which survey and household."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.people.models import Person, Relation
from gongzhi.voices.models import Channel, Survey, SurveyVisit, Voice
from gongzhi.voices.selectors import surveys as selectors
from gongzhi.voices.services.surveys import MAX_NEEDS, NeedInput, survey_close, survey_create, survey_visit_record
from tests.queries import queries

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def open_survey(desk, *, place=None, starts_on=None) -> Survey:
    return survey_create(
        actor=desk.staff[Role.SECRETARY],
        place=place or desk.site.compound,
        title="花园小区双找走访",
        starts_on=starts_on or timezone.localdate() - 7 * DAY,
    )


def visit(desk, survey, household, *, actor=None, outcome="visited", **kwargs) -> SurveyVisit:
    return survey_visit_record(
        actor=actor or desk.staff[Role.GRID_WORKER], survey=survey, household=household, outcome=outcome, **kwargs
    )


def unchanged(before: tuple[int, int, int]) -> bool:
    return (SurveyVisit.objects.count(), Voice.objects.count(), AuditEvent.objects.count()) == before


def snapshot() -> tuple[int, int, int]:
    return SurveyVisit.objects.count(), Voice.objects.count(), AuditEvent.objects.count()


# ------------------------------------------------------------------------------------------- survey


def test_staff_open_a_survey_over_the_compound_audited(desk):
    survey = open_survey(desk)
    assert survey.place_path == desk.site.compound.path and survey.community_id == desk.site.community.pk
    assert not survey.is_closed
    assert AuditEvent.objects.filter(verb="survey.create", object_id=str(survey.pk)).count() == 1


@pytest.mark.parametrize(
    ("title", "ends_in", "code"),
    [("", None, "title_required"), ("<script>x</script>", None, "bad_text"), ("走访", -1, "bad_dates")],
)
def test_opening_a_survey_refuses_bad_input(desk, title, ends_in, code):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        survey_create(
            actor=desk.staff[Role.SECRETARY],
            place=desk.site.compound,
            title=title,
            starts_on=today,
            ends_on=None if ends_in is None else today + ends_in * DAY,
        )
    assert exc.value.code == code and not Survey.objects.exists() and str(exc.value.message)


def test_only_managers_open_surveys(desk, other_desk):
    with pytest.raises(PermissionDenied):  # sees the building, may not organise
        survey_create(
            actor=desk.staff[Role.BUILDING_HEAD],
            place=desk.site.buildings[0],
            title="走访",
            starts_on=timezone.localdate(),
        )
    for actor in (desk.staff[Role.GRID_WORKER], desk.resident, other_desk.staff[Role.SECRETARY]):
        with pytest.raises(NotFound):
            survey_create(actor=actor, place=desk.site.compound, title="走访", starts_on=timezone.localdate())
    assert not Survey.objects.exists()


def test_closing_a_survey_refuses_visits_and_a_second_close(desk):
    survey = open_survey(desk)
    with pytest.raises(NotFound):
        survey_close(actor=desk.staff[Role.GRID_WORKER], survey=survey)
    survey_close(actor=desk.staff[Role.SECRETARY], survey=survey)
    survey.refresh_from_db()
    assert survey.is_closed and survey.ends_on == timezone.localdate()
    with pytest.raises(PhaseClosed) as exc:
        survey_close(actor=desk.staff[Role.SECRETARY], survey=survey)
    assert exc.value.code == "survey_closed"
    before = snapshot()
    with pytest.raises(PhaseClosed) as exc:
        visit(desk, survey, desk.site.households[0], needs=[NeedInput(desk.categories["refuse"], "垃圾房太臭")])
    assert exc.value.code == "survey_closed" and unchanged(before)


# -------------------------------------------------------------------------------------------- visits


def test_a_need_found_at_the_door_becomes_a_survey_voice_for_the_household_head(desk):
    survey = open_survey(desk)
    household = desk.site.households[0]
    v = visit(
        desk,
        survey,
        household,
        note="老两口在家",
        needs=[
            NeedInput(desk.categories["lighting"], "楼道灯坏了半个月", is_public=True),
            NeedInput(desk.categories["refuse"], "垃圾桶离单元门太近"),
        ],
    )
    assert v.outcome == "visited" and v.grid_path == household.grid_path and v.place_path == household.place_path
    voices = list(Voice.objects.filter(survey_visit=v).order_by("id"))
    assert [x.text for x in voices] == ["楼道灯坏了半个月", "垃圾桶离单元门太近"]
    head = Person.objects.get(household=household, relation=Relation.HEAD)
    for voice in voices:
        assert voice.channel == Channel.SURVEY and voice.household == household
        assert voice.entered_by == desk.staff[Role.GRID_WORKER] and voice.reporter is None
        assert voice.reporter_person == head
    assert voices[0].is_public and not voices[1].is_public
    assert voices[0].party == desk.property  # lighting in the compound goes to 物业 by the routing table
    assert voices[1].party == desk.committee
    assert AuditEvent.objects.filter(verb="survey.visit", object_id=str(v.pk)).count() == 1
    assert AuditEvent.objects.filter(verb="voice.submit").count() == 2


def test_no_one_home_keeps_the_household_due_until_a_later_visit(desk):
    survey = open_survey(desk)
    household = desk.site.households[1]
    first = visit(desk, survey, household, outcome="nobody_home", note="敲门无人应")
    assert not first.voices.exists()
    row = selectors.survey_households(actor=desk.staff[Role.GRID_WORKER], survey=survey).get(pk=household.pk)
    assert selectors.household_state(row) == "nobody_home"
    due = selectors.survey_households(actor=desk.staff[Role.GRID_WORKER], survey=survey, filters={"state": "due"})
    assert household.pk in {h.pk for h in due}
    assert selectors.survey_progress(survey=survey, by="building")[0].visited == 0
    visit(desk, survey, household, needs=[NeedInput(desk.categories["parking"], "晚上车位不够")])
    row = selectors.survey_households(actor=desk.staff[Role.GRID_WORKER], survey=survey).get(pk=household.pk)
    assert selectors.household_state(row) == "done" and row.last_outcome == "visited"
    assert selectors.survey_progress(survey=survey, by="building")[0].visited == 1


def test_paper_entry_keeps_the_visit_time_in_the_past(desk):
    survey = open_survey(desk)
    at = timezone.now() - 3 * DAY
    v = visit(
        desk,
        survey,
        desk.site.households[2],
        from_paper=True,
        visited_at=at,
        needs=[NeedInput(desk.categories["security"], "单元门禁坏了")],
    )
    assert v.from_paper and v.visited_at == at
    assert Voice.objects.get(survey_visit=v).created_at == at


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"needs": "script"}, "bad_need_text"),
        ({"needs": "empty"}, "need_text_required"),
        ({"needs": "second_bad"}, "bad_need_text"),
        ({"visited_at": 2 * DAY}, "visit_in_future"),
        ({"visited_at": -30 * DAY}, "visit_before_start"),
        ({"outcome": "nobody_home", "needs": "ok"}, "needs_without_visit"),
        ({"outcome": "asleep"}, "bad_outcome"),
        ({"note": "<img src=x onerror=alert(1)>"}, "bad_note"),
        ({"needs": "many"}, "too_many_needs"),
    ],
)
def test_bad_visits_get_a_message_and_change_nothing(desk, change, code):
    survey = open_survey(desk)
    lighting = desk.categories["lighting"]
    needs = {
        "script": [NeedInput(lighting, "<script>alert(1)</script>")],
        "empty": [NeedInput(lighting, "   ")],
        "second_bad": [NeedInput(lighting, "路灯不亮"), NeedInput(lighting, "<iframe src=x>")],
        "ok": [NeedInput(lighting, "路灯不亮")],
        "many": [NeedInput(lighting, f"第{i}件事") for i in range(MAX_NEEDS + 1)],
    }
    kwargs: dict = {"outcome": change.get("outcome", "visited")}
    if "needs" in change:
        kwargs["needs"] = needs[change["needs"]]
    if "visited_at" in change:
        kwargs.update(from_paper=True, visited_at=timezone.now() + change["visited_at"])
    if "note" in change:
        kwargs["note"] = change["note"]
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        visit(desk, survey, desk.site.households[0], **kwargs)
    assert exc.value.code == code and str(exc.value.message) and unchanged(before)


def test_a_household_outside_the_survey_is_refused(desk):
    survey = open_survey(desk, place=desk.site.buildings[0])
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        visit(desk, survey, desk.site.households[8], actor=desk.staff[Role.SECRETARY])  # in 2栋
    assert exc.value.code == "household_outside" and "1栋" in str(exc.value.message) and unchanged(before)


def test_field_workers_record_only_in_their_grid_or_building(desk, other_desk):
    survey = open_survey(desk)
    in_building_2 = desk.site.households[8]  # the parent grid, outside the grid worker's micro grid
    before = snapshot()
    for actor in (desk.staff[Role.GRID_WORKER], desk.staff[Role.BUILDING_HEAD], desk.resident):
        with pytest.raises(NotFound):
            visit(desk, survey, in_building_2, actor=actor)
    with pytest.raises(PermissionDenied):  # 物业 sees the compound's households but does not survey them
        visit(desk, survey, in_building_2, actor=desk.staff[Role.PROPERTY])
    with pytest.raises(NotFound):
        visit(desk, survey, desk.site.households[0], actor=other_desk.staff[Role.SECRETARY])
    with pytest.raises(NotFound):  # another community's household against this survey
        visit(desk, survey, other_desk.site.households[0], actor=desk.staff[Role.SECRETARY])
    assert unchanged(before)
    assert visit(desk, survey, desk.site.households[0], actor=desk.staff[Role.BUILDING_HEAD]).pk
    assert visit(desk, survey, in_building_2, actor=desk.staff[Role.SECRETARY]).pk


def test_a_need_in_another_communitys_category_is_not_found(desk, other_desk):
    survey = open_survey(desk)
    before = snapshot()
    with pytest.raises(ApplicationError) as exc:
        visit(desk, survey, desk.site.households[0], needs=[NeedInput(other_desk.categories["refuse"], "垃圾")])
    assert isinstance(exc.value, NotFound) and unchanged(before)


# ------------------------------------------------------------------------------------------ progress


def test_progress_per_grid_and_per_building_counts_visited_and_declined_not_nobody_home(desk):
    survey = open_survey(desk)
    secretary = desk.staff[Role.SECRETARY]
    h = desk.site.households
    for i in (0, 1, 2):
        visit(desk, survey, h[i], actor=secretary)
    visit(desk, survey, h[3], actor=secretary, outcome="declined")
    visit(desk, survey, h[4], actor=secretary, outcome="nobody_home")
    visit(desk, survey, h[5], actor=secretary, outcome="nobody_home")
    visit(desk, survey, h[0], actor=secretary)  # a second visit does not count twice
    visit(desk, survey, h[9], actor=secretary)
    visit(desk, survey, h[10], actor=secretary, outcome="nobody_home")
    by_grid = {r.name: (r.visited, r.total) for r in selectors.survey_progress(survey=survey, by="grid")}
    assert by_grid == {desk.site.grid.name: (1, 8), desk.site.micro_grid.name: (4, 8)}
    by_building = [(r.name, r.visited, r.total) for r in selectors.survey_progress(survey=survey, by="building")]
    assert by_building == [("1栋", 4, 8), ("2栋", 1, 8)]
    listed = selectors.survey_list(actor=secretary, community=desk.site.community).get(pk=survey.pk)
    assert (listed.n_done, listed.n_households) == (5, 16)


def test_progress_and_household_list_cost_constant_queries(desk):
    survey = open_survey(desk)
    secretary = desk.staff[Role.SECRETARY]
    with queries(2):
        selectors.survey_progress(survey=survey, by="building")
    with queries(1):
        selectors.survey_progress(survey=survey, by="grid")
    for h in desk.site.households[:6]:
        visit(desk, survey, h, actor=secretary, needs=[NeedInput(desk.categories["refuse"], "垃圾")])
    with queries(1):
        rows = list(selectors.survey_households(actor=secretary, survey=survey))
        assert [r.head_name for r in rows] and all(r.place.name for r in rows) and rows[0].is_done


def test_household_filters(desk):
    survey = open_survey(desk)
    worker = desk.staff[Role.GRID_WORKER]
    h = desk.site.households
    visit(desk, survey, h[0])
    visit(desk, survey, h[1], outcome="nobody_home")

    def ids(state):
        return [x.pk for x in selectors.survey_households(actor=worker, survey=survey, filters={"state": state})]

    assert ids("done") == [h[0].pk]
    assert ids("nobody_home") == [h[1].pk]
    assert ids("todo") == [x.pk for x in h[2:8]]
    assert len(ids("")) == 8  # the grid worker's micro grid only
    assert selectors.survey_next_household(actor=worker, survey=survey, after=h[0]).pk == h[2].pk


# --------------------------------------------------------------------------------------------- scope


def test_who_reaches_which_survey(desk, other_desk):
    compound = open_survey(desk)
    building_2 = open_survey(desk, place=desk.site.buildings[1])
    c = desk.site.community

    def reach(actor):
        return set(selectors.survey_list(actor=actor, community=c).values_list("pk", flat=True))

    assert reach(desk.staff[Role.SECRETARY]) == {compound.pk, building_2.pk}
    assert reach(desk.staff[Role.GRID_WORKER]) == {compound.pk}  # no household of their micro grid in 2栋
    assert reach(desk.staff[Role.BUILDING_HEAD]) == {compound.pk}
    for actor in (desk.resident, desk.staff[Role.PROPERTY], other_desk.staff[Role.SECRETARY]):
        assert reach(actor) == set()
    with pytest.raises(NotFound):
        selectors.survey_get(actor=desk.staff[Role.GRID_WORKER], community=c, survey_id=building_2.pk)
