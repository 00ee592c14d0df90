"""Meeting reads, scoped to the actor: lists with their counts in one query, a meeting's attendance and
suggestions, the residents staff may sign in, and the rows of the 台账."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import Attendance, Meeting, MeetingStatus, Suggestion, Topic
from gongzhi.people.models import Person
from gongzhi.places.models import Place

__all__ = [
    "PERSON_SEARCH_LIMIT",
    "attendance_list",
    "community_suggestion_count",
    "may_keep_register",
    "meeting_by_token",
    "meeting_get",
    "meeting_list",
    "meeting_person_get",
    "meeting_persons_search",
    "meeting_places",
    "meeting_register",
    "meeting_topics",
    "meetings_for_topic",
    "my_attendance",
    "signed_person_ids",
    "suggestion_get",
    "suggestion_list",
]

PERSON_SEARCH_LIMIT = 20


def _counted(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    # Two joins in one query would multiply rows; distinct counts keep each figure right.
    counted: QuerySet[Meeting] = meetings.annotate(
        n_attendance=Count("attendances", distinct=True), n_suggestions=Count("suggestions", distinct=True)
    )
    return counted


def meeting_list(*, actor: User, community: Place, when: str = "") -> QuerySet[Meeting]:
    """The community's meetings the actor may see, newest first; `when` is "upcoming" or "past"."""
    from django.utils import timezone

    meetings = Meeting.objects.visible_to(actor).filter(community=community).select_related("place")
    now = timezone.now()
    if when == "upcoming":
        return _counted(meetings.filter(status=MeetingStatus.SCHEDULED, starts_at__gte=now)).order_by("starts_at")
    if when == "past":
        meetings = meetings.filter(Q(starts_at__lt=now) | ~Q(status=MeetingStatus.SCHEDULED))
    return _counted(meetings).order_by("-starts_at", "-id")


def community_suggestion_count(*, actor: User, community: Place) -> int:
    """已收集建议 n 条: the suggestions of the meetings the actor sees."""
    count: int = Suggestion.objects.filter(
        meeting__in=Meeting.objects.visible_to(actor).filter(community=community)
    ).count()
    return count


def meeting_get(*, actor: User, community: Place, meeting_id: int) -> Meeting:
    meeting: Meeting | None = (
        _counted(Meeting.objects.visible_to(actor).filter(pk=meeting_id, community=community))
        .select_related("place", "topic", "convened_by", "minutes_by")
        .first()
    )
    if meeting is None:
        raise NotFound()
    return meeting


def meeting_by_token(*, actor: User, community: Place, token: str) -> Meeting:
    """The meeting a poster's QR points to; a wrong token and a meeting the actor cannot see look the same."""
    meeting: Meeting | None = (
        Meeting.objects.visible_to(actor)
        .filter(community=community, signin_token=token)
        .select_related("place")
        .first()
        if token
        else None
    )
    if meeting is None:
        raise NotFound(code=Code.BAD_TOKEN)
    return meeting


def attendance_list(*, meeting: Meeting) -> list[Attendance]:
    return list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("household__place__parent", "recorded_by")
        .order_by("created_at", "id")
    )


def my_attendance(*, actor: User, meeting: Meeting) -> Attendance | None:
    """The actor's own sign-in at the meeting, through the registry entries linked to their account."""
    found: Attendance | None = Attendance.objects.filter(meeting=meeting, person__account_id=actor.pk).first()
    return found


def suggestion_list(*, meeting: Meeting) -> list[Suggestion]:
    return list(Suggestion.objects.filter(meeting=meeting).select_related("topic").order_by("created_at", "id"))


def suggestion_get(*, meeting: Meeting, suggestion_id: int) -> Suggestion:
    suggestion: Suggestion | None = Suggestion.objects.filter(meeting=meeting, pk=suggestion_id).first()
    if suggestion is None:
        raise NotFound()
    return suggestion


def meeting_persons_search(*, actor: User, meeting: Meeting, query: str) -> list[Person]:
    """Residents of the meeting's place whose name or room matches, for staff entry; the page masks ID and phone."""
    query = query.strip()[:20]
    if not query:
        return []
    people = Person.objects.visible_to(actor).filter(
        community_id=meeting.community_id, place_path__under=meeting.place_path
    )
    return list(
        people.filter(Q(name__contains=query) | Q(household__room=query))
        .select_related("household", "household__place")
        .order_by("place_path", "id")[:PERSON_SEARCH_LIMIT]
    )


def meeting_person_get(*, actor: User, meeting: Meeting, person_id: int) -> Person:
    person: Person | None = (
        Person.objects.visible_to(actor)
        .filter(pk=person_id, community_id=meeting.community_id, place_path__under=meeting.place_path)
        .first()
    )
    if person is None:
        raise NotFound()
    return person


def signed_person_ids(*, meeting: Meeting) -> set[int]:
    return set(Attendance.objects.filter(meeting=meeting, person__isnull=False).values_list("person_id", flat=True))


def meeting_places(*, actor: User, community: Place, kinds: frozenset[str]) -> list[Place]:
    """The places where the actor may call a meeting: inside their manage grants, of the meeting kinds."""
    combined = Q(pk__in=[])
    for grant in grants_allowing(actor, Action.TOPIC_MANAGE):
        if grant.place_path:
            combined |= Q(path__startswith=grant.place_path)
    return list(Place.objects.filter(combined, community=community, kind__in=kinds).order_by("path"))


def meeting_topics(*, actor: User, community: Place) -> list[Topic]:
    """Topics a meeting may be called for: the community's topics the actor manages that are not closed yet."""
    from gongzhi.deliberation.models import Status

    open_statuses = [Status.ACCEPTED, Status.PUBLISHED, Status.DISCUSSION, Status.VOTING]
    return list(
        Topic.objects.visible_to(actor)
        .filter(community=community, status__in=open_statuses)
        .only("id", "title", "place_path", "community_id")
        .order_by("-created_at")[:100]
    )


def meetings_for_topic(*, actor: User, topic: Topic) -> list[Meeting]:
    """For the topic page: the meetings that discuss or decide it."""
    return list(
        _counted(Meeting.objects.visible_to(actor).filter(topic=topic)).select_related("place").order_by("starts_at")
    )


def _recorded_q(actor: User, community: Place) -> Q | None:
    combined: Q | None = None
    for grant in grants_allowing(actor, Action.MEETING_RECORD):
        if grant.place_path and grant.place_path.startswith(community.path):
            q = Q(place_path__under=grant.place_path)
            combined = q if combined is None else combined | q
    return combined


def may_keep_register(*, actor: User, community: Place) -> bool:
    """Whether the actor records meetings somewhere in the community (an empty register is still theirs)."""
    return _recorded_q(actor, community) is not None


def meeting_register(*, actor: User, community: Place) -> QuerySet[Meeting]:
    """The register's rows: the meetings the actor records, oldest first, with their counts."""
    combined = _recorded_q(actor, community)
    if combined is None:
        return Meeting.objects.none()
    return _counted(Meeting.objects.filter(combined, community=community).select_related("place")).order_by(
        "starts_at", "id"
    )
