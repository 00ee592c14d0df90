"""双找 door-to-door surveys: staff open a survey over a place; grid workers and building heads record each household
visit (on a phone, or afterwards from the paper sheet). Each need found becomes a voice through the one intake."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, PhaseClosed, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import Household, Place
from gongzhi.voices.errors import Code
from gongzhi.voices.models import TEXT_MAX, Category, Channel, Survey, SurveyVisit, VisitOutcome
from gongzhi.voices.predicates import can_organize_survey
from gongzhi.voices.services.intake import voice_submit

__all__ = ["MAX_NEEDS", "NeedInput", "survey_close", "survey_create", "survey_visit_record"]

MAX_NEEDS = 10  # a sheet has room for a handful; more than ten at one door is a meeting, not a visit
# A phone's clock and the server's differ by seconds; a minute's grace keeps "now" from reading as the future.
_CLOCK_SKEW = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class NeedInput:
    """One need found at the door (找需求): it becomes a voice of this category."""

    category: Category
    text: str
    is_public: bool = False


def _community_of(place: Place) -> int:
    community_id = place.pk if place.is_community else place.community_id
    if community_id is None:
        raise NotFound()
    return community_id


def _refuse_unless_organizes(actor: User, place: Place) -> None:
    """VOICE_MANAGE over the place (书记, 社工); a place the actor cannot see is 404."""
    if not Place.objects.visible_to(actor).filter(pk=place.pk).exists():
        raise NotFound()
    if not can_organize_survey(actor, place):
        raise PermissionDenied(_("只有社区书记或社工可以组织双找走访"))


@transaction.atomic
def survey_create(
    *, actor: User, place: Place, title: str, starts_on: datetime.date, ends_on: datetime.date | None = None
) -> Survey:
    """Opens a survey over a place (a courtyard, a compound or the whole community). Staff only (VOICE_MANAGE)."""
    community_id = _community_of(place)
    _refuse_unless_organizes(actor, place)
    title = clean_or_fail(
        title,
        label=_("走访名称"),
        max_length=100,
        field="title",
        required=_("请填写走访名称"),
        required_code=Code.TITLE_REQUIRED,
    )
    if starts_on is None:
        raise ValidationFailed(_("请填写开始日期"), code=Code.STARTS_REQUIRED, extra={"field": "starts_on"})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed(_("结束日期不能早于开始日期"), code=Code.BAD_DATES, extra={"field": "ends_on"})
    survey = Survey(
        community_id=community_id,
        title=title,
        place=place,
        place_path=place.path,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    survey.full_clean()
    survey.save()
    audit.record(
        actor=actor,
        verb="survey.create",
        obj=survey,
        community_id=community_id,
        after={"title": title, "place": place.pk, "starts_on": str(starts_on), "ends_on": str(ends_on or "")},
    )
    return survey


def _lock(survey: Survey) -> Survey:
    locked: Survey | None = Survey.objects.select_for_update().filter(pk=survey.pk).select_related("place").first()
    if locked is None:
        raise NotFound()
    return locked


@transaction.atomic
def survey_close(*, actor: User, survey: Survey) -> Survey:
    """Ends a survey: no more visits are recorded against it. Staff only; takes the survey's row lock."""
    survey = _lock(survey)
    _refuse_unless_organizes(actor, survey.place)
    if survey.is_closed:
        raise PhaseClosed(_("该走访已经结束"), code=Code.SURVEY_CLOSED)
    survey.is_closed = True
    survey.ends_on = survey.ends_on or timezone.localdate()
    survey.full_clean()
    survey.save(update_fields=["is_closed", "ends_on"])
    audit.record(
        actor=actor,
        verb="survey.close",
        obj=survey,
        community_id=survey.community_id,
        before={"is_closed": False},
        after={"is_closed": True, "ends_on": str(survey.ends_on)},
    )
    return survey


def household_head(household: Household) -> Person | None:
    """The household's head (户主), the person a need found at the door is recorded for."""
    head: Person | None = Person.objects.filter(household=household, relation=Relation.HEAD).order_by("id").first()
    return head


def _visit_time(survey: Survey, visited_at: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    if visited_at is None:
        return now
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + _CLOCK_SKEW:
        raise ValidationFailed(_("走访时间不能晚于现在"), code=Code.VISIT_IN_FUTURE, extra={"field": "visited_at"})
    if timezone.localtime(visited_at).date() < survey.starts_on:
        raise ValidationFailed(
            _("走访时间不能早于本次走访的开始日期（%(day)s）") % {"day": survey.starts_on.isoformat()},
            code=Code.VISIT_BEFORE_START,
            extra={"field": "visited_at"},
        )
    return visited_at


def _check_needs(survey: Survey, outcome: str, needs: Sequence[NeedInput]) -> list[tuple[NeedInput, str]]:
    """Each need's text cleaned, before anything is written: a bad need names its row and changes nothing."""
    if needs and outcome != VisitOutcome.VISITED:
        raise ValidationFailed(_("只有入户走访时才能登记需求"), code=Code.NEEDS_WITHOUT_VISIT, extra={"field": "needs"})
    if len(needs) > MAX_NEEDS:
        raise ValidationFailed(
            _("一次走访最多登记 %(n)s 条需求") % {"n": MAX_NEEDS}, code=Code.TOO_MANY_NEEDS, extra={"field": "needs"}
        )
    checked = []
    for i, need in enumerate(needs):
        field = f"need-{i}-text"
        if need.category.community_id != survey.community_id:
            raise NotFound()
        if not need.category.is_active:
            raise ValidationFailed(
                _("第 %(n)s 条需求的类别已停用，请另选类别") % {"n": i + 1},
                code=Code.CATEGORY_INACTIVE,
                extra={"field": f"need-{i}-category", "need": i},
            )
        text = clean_or_fail(
            need.text,
            label=_("第 %(n)s 条需求") % {"n": i + 1},
            max_length=TEXT_MAX,
            field=field,
            required=_("第 %(n)s 条需求没有填写内容") % {"n": i + 1},
            required_code=Code.NEED_TEXT_REQUIRED,
            code=Code.BAD_NEED_TEXT,
        )
        checked.append((need, text))
    return checked


@transaction.atomic
def survey_visit_record(
    *,
    actor: User,
    survey: Survey,
    household: Household,
    outcome: str,
    note: str = "",
    needs: Sequence[NeedInput] = (),
    from_paper: bool = False,
    visited_at: datetime.datetime | None = None,
) -> SurveyVisit:
    """Records one knock on one door; each need found becomes a 双找 voice in the same transaction. A 网格员 records in
    their grid, a 楼栋长 in their building (SURVEY_VISIT over the household). Takes the survey's row lock, so a visit
    is never recorded against a survey being closed. Audited as survey.visit; each voice also has intake's own
    voice.submit (entered on the household head's behalf)."""
    survey = _lock(survey)
    if household.community_id != survey.community_id:
        raise NotFound()
    if not Household.objects.visible_to(actor).filter(pk=household.pk).exists():
        raise NotFound()
    if not Household.objects.restrict(actor, Action.SURVEY_VISIT).filter(pk=household.pk).exists():
        raise PermissionDenied(_("只有网格员、楼栋长或社区工作人员可以登记入户走访"))
    if survey.is_closed:
        raise PhaseClosed(_("该走访已经结束，不能再登记"), code=Code.SURVEY_CLOSED)
    if not household.place_path.startswith(survey.place_path):
        raise ValidationFailed(
            _("该户不在本次走访的范围（%(place)s）内") % {"place": survey.place.name},
            code=Code.HOUSEHOLD_OUTSIDE,
            extra={"field": "household"},
        )
    if outcome not in VisitOutcome.values:
        raise ValidationFailed(_("请选择走访结果"), code=Code.BAD_OUTCOME, extra={"field": "outcome"})
    note = clean_or_fail(note, label=_("备注"), max_length=500, field="note", code=Code.BAD_NOTE)
    now = timezone.now()
    at = _visit_time(survey, visited_at, now)
    checked = _check_needs(survey, outcome, needs)

    visit = SurveyVisit(
        community_id=survey.community_id,
        survey=survey,
        household=household,
        place_path=household.place_path,
        grid_path=household.grid_path,
        outcome=outcome,
        note=note,
        from_paper=bool(from_paper),
        visited_by=actor,
        visited_at=at,
    )
    visit.full_clean()
    visit.save()
    voice_ids = []
    if checked:
        head = household_head(household)
        place = household.place
        community = Place.objects.get(pk=survey.community_id)
        for need, text in checked:
            voice = voice_submit(
                actor=actor,
                community=community,
                place=place,
                category=need.category,
                text=text,
                is_public=need.is_public,
                household=household,
                channel=Channel.SURVEY,
                reporter_person=head,
                survey_visit=visit,
                now=at,
            )
            voice_ids.append(voice.pk)
    audit.record(
        actor=actor,
        verb="survey.visit",
        obj=visit,
        community_id=survey.community_id,
        after={
            "survey": survey.pk,
            "household": household.pk,
            "outcome": outcome,
            "from_paper": bool(from_paper),
            "visited_at": at.isoformat(),
            "voices": voice_ids,
        },
    )
    return visit
