"""The life of a 议题, per 《关于加强城乡社区协商的意见》(中办发〔2015〕41号).

A topic is proposed (by residents, units or the Party organization), accepted onto the agenda or declined with a
public reason, published with its materials, discussed, decided by its procedure, its resolution recorded and
implemented, and the result reported back publicly. Steps go forward only, in this order; a step may be skipped
only where the procedure has no vote (decided straight after discussion) or nothing to implement.

Pure: no Django, no I/O. Services ask these functions and raise when they say no.
"""

from __future__ import annotations

import datetime
from typing import Final

PROPOSED: Final = "proposed"
ACCEPTED: Final = "accepted"
DECLINED: Final = "declined"
PUBLISHED: Final = "published"
DISCUSSION: Final = "discussion"
VOTING: Final = "voting"
DECIDED: Final = "decided"
IMPLEMENTING: Final = "implementing"
REPORTED: Final = "reported"

ORDER: Final[tuple[str, ...]] = (
    PROPOSED,
    ACCEPTED,
    PUBLISHED,
    DISCUSSION,
    VOTING,
    DECIDED,
    IMPLEMENTING,
    REPORTED,
)
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    PROPOSED: frozenset({ACCEPTED, DECLINED}),
    ACCEPTED: frozenset({PUBLISHED}),
    PUBLISHED: frozenset({DISCUSSION}),
    DISCUSSION: frozenset({VOTING, DECIDED}),
    VOTING: frozenset({DECIDED}),
    DECIDED: frozenset({IMPLEMENTING, REPORTED}),
    IMPLEMENTING: frozenset({REPORTED}),
    DECLINED: frozenset(),
    REPORTED: frozenset(),
}
LABELS: Final[dict[str, str]] = {
    PROPOSED: "已提出",
    ACCEPTED: "已列入议程",
    DECLINED: "不予列入",
    PUBLISHED: "已公布",
    DISCUSSION: "讨论中",
    VOTING: "表决中",
    DECIDED: "已形成决议",
    IMPLEMENTING: "实施中",
    REPORTED: "已公开反馈",
}


def check_transition(current: str, target: str) -> None:
    """Raises ValueError (Chinese) unless target is a next step of current."""
    if current not in TRANSITIONS or target not in TRANSITIONS:
        raise ValueError("未知的议题阶段")
    if target not in TRANSITIONS[current]:
        raise ValueError(f"议题当前为“{LABELS[current]}”，不能进入“{LABELS[target]}”")


FEATURES: Final[dict[str, frozenset[str]]] = {
    "comment": frozenset({PUBLISHED, DISCUSSION, VOTING}),
    "revise": frozenset({PUBLISHED, DISCUSSION}),
    "vote": frozenset({VOTING}),
    "object": frozenset({DECIDED, IMPLEMENTING}),
    # 团队共创: ideas are collected, then grouped into clusters, then dots are spent on clusters in the window.
    "idea": frozenset({PUBLISHED, DISCUSSION}),
    "cluster": frozenset({DISCUSSION, VOTING}),
    "dot": frozenset({VOTING}),
    # Opinion maps: statements are added and answered while the topic is being discussed.
    "statement": frozenset({PUBLISHED, DISCUSSION}),
    "opine": frozenset({PUBLISHED, DISCUSSION}),
    # Ballot sheets are printed while the topic is public and before its vote closes.
    "print": frozenset({PUBLISHED, DISCUSSION, VOTING}),
    # The action plan and the meeting record of a decision are kept from the decision on.
    "action_plan": frozenset({DECIDED, IMPLEMENTING}),
}


def phase_allows(
    feature: str,
    status: str,
    now: datetime.datetime,
    opens: datetime.datetime | None = None,
    closes: datetime.datetime | None = None,
) -> bool:
    """Whether a feature is open in this phase, and (for votes and objections) inside its window [opens, closes)."""
    if feature not in FEATURES:
        raise ValueError(f"未知的功能：{feature}")
    if status not in FEATURES[feature]:
        return False
    if opens is not None and now < opens:
        return False
    return closes is None or now < closes


def publicity_closes(start: datetime.datetime, days: int) -> datetime.datetime:
    """End of a 公示 window of `days` full days from start (the window is [start, start + days))."""
    if days < 1:
        raise ValueError("公示期至少1天")
    return start + datetime.timedelta(days=days)
