import datetime
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules import topic_lifecycle as lc

pytestmark = pytest.mark.date_sensitive

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def test_the_normal_path_goes_forward_step_by_step() -> None:
    path = [lc.PROPOSED, lc.ACCEPTED, lc.PUBLISHED, lc.DISCUSSION, lc.VOTING, lc.DECIDED, lc.IMPLEMENTING, lc.REPORTED]
    for current, target in itertools.pairwise(path):
        lc.check_transition(current, target)
        assert target in lc.TRANSITIONS[current]
    assert lc.TRANSITIONS[lc.REPORTED] == frozenset()


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (lc.PROPOSED, lc.PUBLISHED),
        (lc.PROPOSED, lc.VOTING),
        (lc.DISCUSSION, lc.ACCEPTED),
        (lc.VOTING, lc.DISCUSSION),
        (lc.REPORTED, lc.DECIDED),
        (lc.DECLINED, lc.ACCEPTED),
        (lc.DECIDED, lc.VOTING),
    ],
)
def test_out_of_order_steps_are_refused_with_chinese_message(current: str, target: str) -> None:
    with pytest.raises(ValueError, match="不能进入"):
        lc.check_transition(current, target)


@given(st.sampled_from(sorted(lc.TRANSITIONS)), st.sampled_from(sorted(lc.TRANSITIONS)))
def test_transitions_never_go_backwards(current: str, target: str) -> None:
    try:
        lc.check_transition(current, target)
    except ValueError:
        return
    if target != lc.DECLINED:
        assert lc.ORDER.index(target) > lc.ORDER.index(current)


def test_unknown_steps_are_refused() -> None:
    with pytest.raises(ValueError, match="未知"):
        lc.check_transition("draft", lc.ACCEPTED)


def test_votes_only_while_voting_and_inside_the_window() -> None:
    opens, closes = NOW, NOW + datetime.timedelta(days=7)
    assert lc.phase_allows("vote", lc.VOTING, NOW, opens, closes)
    assert not lc.phase_allows("vote", lc.VOTING, opens - datetime.timedelta(seconds=1), opens, closes)
    assert not lc.phase_allows("vote", lc.VOTING, closes, opens, closes)  # the closing instant is outside
    assert not lc.phase_allows("vote", lc.DISCUSSION, NOW, opens, closes)
    assert not lc.phase_allows("vote", lc.DECIDED, NOW, opens, closes)


def test_comments_during_publication_discussion_and_voting_only() -> None:
    for status in (lc.PUBLISHED, lc.DISCUSSION, lc.VOTING):
        assert lc.phase_allows("comment", status, NOW)
    for status in (lc.PROPOSED, lc.ACCEPTED, lc.DECIDED, lc.REPORTED, lc.DECLINED):
        assert not lc.phase_allows("comment", status, NOW)


@pytest.mark.parametrize(
    ("feature", "open_in"),
    [
        ("idea", {lc.PUBLISHED, lc.DISCUSSION}),
        ("cluster", {lc.DISCUSSION, lc.VOTING}),
        ("dot", {lc.VOTING}),
        ("statement", {lc.PUBLISHED, lc.DISCUSSION}),
        ("opine", {lc.PUBLISHED, lc.DISCUSSION}),
        ("print", {lc.PUBLISHED, lc.DISCUSSION, lc.VOTING}),
        ("action_plan", {lc.DECIDED, lc.IMPLEMENTING}),
    ],
)
def test_each_procedures_feature_is_open_in_its_phases_only(feature: str, open_in: set[str]) -> None:
    every = {*lc.ORDER, lc.DECLINED}
    assert {s for s in every if lc.phase_allows(feature, s, NOW)} == open_in


def test_unknown_feature_is_an_error() -> None:
    with pytest.raises(ValueError, match="未知的功能"):
        lc.phase_allows("dance", lc.VOTING, NOW)


def test_publicity_window() -> None:
    assert lc.publicity_closes(NOW, 10) == NOW + datetime.timedelta(days=10)
    with pytest.raises(ValueError, match="公示期"):
        lc.publicity_closes(NOW, 0)
