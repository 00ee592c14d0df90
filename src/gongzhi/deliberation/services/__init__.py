"""Writes in the 议事厅, one module per part; each write is one transaction with one audit event.

Callers use `services.<name>`; the parts' modules list their public services in `__all__`.
"""

from gongzhi.deliberation.services.assemblies import *  # noqa: F403
from gongzhi.deliberation.services.ballots import (
    EVIDENCE_MAX_BYTES,
    ballot_cast,
    ballot_enter_paper,
    ballot_enter_proxy,
    ballot_void,
    owned_units_voter,
)
from gongzhi.deliberation.services.cocreation import *  # noqa: F403
from gongzhi.deliberation.services.elevator import (
    elevator_coefficients_set,
    elevator_plan_set,
    objection_answer,
    objection_file,
    parse_coefficients,
    parse_yuan,
    topic_households,
)
from gongzhi.deliberation.services.meetings import *  # noqa: F403
from gongzhi.deliberation.services.opinion import *  # noqa: F403
from gongzhi.deliberation.services.sheets import *  # noqa: F403
from gongzhi.deliberation.services.topics import (
    MEETING_PROCEDURES,
    VOTING_PROCEDURES,
    WINDOWED_PROCEDURES,
    comment_hide,
    comment_post,
    topic_accept,
    topic_decide,
    topic_decline,
    topic_open_voting,
    topic_pin_hot,
    topic_propose,
    topic_publish,
    topic_report,
    topic_start_discussion,
    topic_start_implementing,
    version_add,
)

__all__ = [
    "EVIDENCE_MAX_BYTES",
    "MEETING_PROCEDURES",
    "VOTING_PROCEDURES",
    "WINDOWED_PROCEDURES",
    "ballot_cast",
    "ballot_enter_paper",
    "ballot_enter_proxy",
    "ballot_void",
    "comment_hide",
    "comment_post",
    "elevator_coefficients_set",
    "elevator_plan_set",
    "objection_answer",
    "objection_file",
    "owned_units_voter",
    "parse_coefficients",
    "parse_yuan",
    "topic_accept",
    "topic_decide",
    "topic_decline",
    "topic_households",
    "topic_open_voting",
    "topic_pin_hot",
    "topic_propose",
    "topic_publish",
    "topic_report",
    "topic_start_discussion",
    "topic_start_implementing",
    "version_add",
]
