"""Reads in the 议事厅, one module per part, each scoped to the actor; the parts list theirs in `__all__`."""

from gongzhi.deliberation.selectors.assemblies import *  # noqa: F403
from gongzhi.deliberation.selectors.cocreation import *  # noqa: F403
from gongzhi.deliberation.selectors.meetings import *  # noqa: F403
from gongzhi.deliberation.selectors.opinion import *  # noqa: F403
from gongzhi.deliberation.selectors.sheets import *  # noqa: F403
from gongzhi.deliberation.selectors.topics import (
    ElevatorView,
    Tally,
    all_comments,
    ballot_get,
    ballot_list,
    designated_owner_ids,
    elevator_form_floors,
    elevator_view,
    hot_archive,
    hot_topic,
    live_tally,
    objection_list,
    proposable_places,
    public_topics,
    tally,
    topic_comments,
    topic_get,
    topic_list,
    topic_timeline,
    topic_versions,
    yuan,
)

__all__ = [
    "ElevatorView",
    "Tally",
    "all_comments",
    "ballot_get",
    "ballot_list",
    "designated_owner_ids",
    "elevator_form_floors",
    "elevator_view",
    "hot_archive",
    "hot_topic",
    "live_tally",
    "objection_list",
    "proposable_places",
    "public_topics",
    "tally",
    "topic_comments",
    "topic_get",
    "topic_list",
    "topic_timeline",
    "topic_versions",
    "yuan",
]
