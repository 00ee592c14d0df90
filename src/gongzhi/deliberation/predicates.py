"""Who may do what in the 议事厅: every permission question the app answers, as plain functions of (user, object).

Services, selectors and views ask these; a service still raises its own refusal (403) with the message of its
case. Reaching a place means a grant whose subtree holds it (`place_path` prefix), so a building head manages
topics of their building but not of the community above it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing, user_can_at
from gongzhi.deliberation.models.meetings import Meeting
from gongzhi.deliberation.models.topics import Topic, ancestor_paths
from gongzhi.places.models import Place


def managed_place_paths(user: User, action: Action = Action.TOPIC_MANAGE) -> list[str]:
    """The subtrees (place paths) where the user holds `action`; a community-wide grant without a place holds
    none."""
    return [g.place_path for g in grants_allowing(user, action) if g.place_path]


def can_manage_place(user: User, path: str, action: Action = Action.TOPIC_MANAGE) -> bool:
    """A grant of `action` whose subtree holds the place at `path`."""
    return any(path.startswith(root) for root in managed_place_paths(user, action))


def can_manage_topic(user: User, topic: Topic) -> bool:
    """Managing a topic needs a manage grant whose subtree holds the topic's place."""
    return can_manage_place(user, topic.place_path)


def in_topic_audience(user: User, topic: Topic, action: Action = Action.TOPIC_PARTICIPATE) -> bool:
    """A participant's node lies inside the topic's place, or the topic's place lies inside their node."""
    for g in grants_allowing(user, action):
        node = g.node_path
        if node and (node.startswith(topic.place_path) or topic.place_path in ancestor_paths(node)):
            return True
        if node is None and g.community_id == topic.community_id:
            return True
    return False


def can_take_part_in_topic(user: User, topic: Topic) -> bool:
    """Comment, object, write ideas: the topic's audience, and its managers."""
    return in_topic_audience(user, topic) or can_manage_topic(user, topic)


def can_propose_topic(user: User, topic: Topic) -> bool:
    """`topic` is the unsaved proposal at its place: its managers, and those who may propose in its audience."""
    return can_manage_topic(user, topic) or in_topic_audience(user, topic, Action.TOPIC_PROPOSE)


def can_revise_topic(user: User, topic: Topic) -> bool:
    """Staff of the place, or a building head of it, may put up a new round of the proposal."""
    allowed = user_can_at(user, Action.TOPIC_REVISE, community_id=topic.community_id, path=topic.place_path)
    return allowed and can_take_part_in_topic(user, topic)


def can_set_elevator_coefficients(user: User, community: Place) -> bool:
    """The community's table is set by staff who manage topics of the whole community (not one building)."""
    return can_manage_place(user, community.path)


def can_manage_bodies(user: User, community: Place) -> bool:
    """Rosters (议事会, 村民代表会议) are kept by the staff who manage topics somewhere in the community."""
    return any(
        (g.place_path and g.place_path.startswith(community.path)) or g.community_id == community.pk
        for g in grants_allowing(user, Action.TOPIC_MANAGE)
    )


def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    return can_manage_place(user, meeting.place_path)


def can_record_meeting(user: User, meeting: Meeting) -> bool:
    return can_manage_place(user, meeting.place_path, Action.MEETING_RECORD)


def require_meeting_recorder(user: User, meeting: Meeting) -> None:
    """`can_record_meeting` as a refusal (403): the meeting is visible, its record is not the user's to keep."""
    if not can_record_meeting(user, meeting):
        raise PermissionDenied(_("只有社区工作人员、楼栋长或小组长可以登记会议"))
