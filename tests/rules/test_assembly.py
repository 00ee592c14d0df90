from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gongzhi.rules import assembly
from gongzhi.rules.assembly import (
    AT_LEAST_TWO_THIRDS,
    COUNCIL,
    MORE_THAN_HALF,
    RESIDENTS,
    VILLAGE_REPS,
    VILLAGERS,
    Counts,
    Share,
    Threshold,
    decide,
)

# --- boundaries, one kind at a time ------------------------------------------


def test_representatives_exactly_two_thirds_present_is_a_quorum() -> None:
    # 第二十六条 "三分之二以上": 2/3 itself is enough.
    result = decide(VILLAGE_REPS, Counts(members=18, present=12, agree=7))
    assert result.quorum_thresholds[0].ratio == Fraction(2, 3)
    assert result.quorum_met
    assert result.passed


def test_representatives_one_short_of_two_thirds_is_no_quorum() -> None:
    result = decide(VILLAGE_REPS, Counts(members=19, present=12, agree=12))
    assert not result.quorum_met
    assert not result.passed
    assert result.outcome() == "会议未达法定人数，决定无效"


def test_the_example_line_of_the_issue() -> None:
    result = decide(VILLAGE_REPS, Counts(members=19, present=13, agree=9, disagree=3, abstain=1))
    assert result.thresholds[0].describe() == "出席人数 13 / 19 人 = 68.42% ≥ 2/3 ✓"
    assert result.thresholds[1].describe() == "同意人数 9 / 13 人 = 69.23% > 1/2 ✓"
    assert result.passed


def test_exactly_half_of_those_present_agreeing_fails() -> None:
    # "过半数" excludes half itself.
    result = decide(VILLAGE_REPS, Counts(members=12, present=12, agree=6, disagree=6))
    assert result.quorum_met
    assert not result.decision.met
    assert not result.passed
    assert result.outcome() == "未通过"


def test_present_but_not_voting_weighs_like_no() -> None:
    # 7 agree of 13 present is a majority; 6 agree with 7 not voting is not, although nobody disagreed.
    assert decide(COUNCIL, Counts(members=13, present=13, agree=7)).passed
    assert not decide(COUNCIL, Counts(members=13, present=13, agree=6)).passed


def test_villagers_quorum_by_adults_alone() -> None:
    result = decide(VILLAGERS, Counts(members=1001, present=501, agree=300, households=400, households_represented=10))
    adults, households, _ = result.thresholds
    assert adults.met and not households.met
    assert result.quorum_met and result.passed


def test_villagers_quorum_by_households_alone() -> None:
    # 300 of 450 households (exactly 2/3) sent someone, though only 300 of 1,200 adults came.
    result = decide(VILLAGERS, Counts(members=1200, present=300, agree=151, households=450, households_represented=300))
    adults, households, decision = result.thresholds
    assert not adults.met and households.met
    assert households.describe() == "到会户代表 300 / 450 户 = 66.67% ≥ 2/3 ✓"
    assert adults.describe() == "到会村民（十八周岁以上） 300 / 1,200 人 = 25.00% > 1/2 ✗"
    assert decision.describe() == "同意人数 151 / 300 人 = 50.33% > 1/2 ✓"
    assert result.quorum_met and result.passed
    assert "满足其一即可" in result.describe()


def test_villagers_exactly_half_of_adults_is_not_more_than_half() -> None:
    result = decide(VILLAGERS, Counts(members=1000, present=500, agree=500, households=300, households_represented=199))
    assert not result.quorum_met
    assert not result.passed


def test_residents_meeting_needs_more_than_half() -> None:
    assert not decide(RESIDENTS, Counts(members=10, present=5, agree=5)).quorum_met
    assert decide(RESIDENTS, Counts(members=10, present=6, agree=4)).passed


def test_council_default_is_more_than_half_present() -> None:
    assert not decide(COUNCIL, Counts(members=10, present=5, agree=5)).quorum_met
    assert decide(COUNCIL, Counts(members=10, present=6, agree=4)).passed


def test_council_with_its_own_rules() -> None:
    strict = decide(
        COUNCIL, Counts(members=9, present=6, agree=4), quorum=AT_LEAST_TWO_THIRDS, majority=AT_LEAST_TWO_THIRDS
    )
    assert strict.quorum_met and strict.passed
    assert strict.thresholds[1].describe() == "同意人数 4 / 6 人 = 66.67% ≥ 2/3 ✓"
    three_quarters = Share(Fraction(3, 4), strict=False)
    assert not decide(COUNCIL, Counts(members=9, present=6, agree=4), majority=three_quarters).passed


def test_zero_members_decides_nothing() -> None:
    result = decide(COUNCIL, Counts(members=0, present=0, agree=0))
    assert not result.quorum_met and not result.passed
    assert result.thresholds[0].describe() == "出席人数 0 / 0 人 = — > 1/2 ✗"
    assert result.thresholds[0].ratio == 0


def test_describe_has_every_line_and_the_outcome() -> None:
    text = decide(VILLAGE_REPS, Counts(members=19, present=15, agree=12, disagree=2, abstain=1)).describe()
    lines = text.splitlines()
    assert lines[0].startswith("会议：村民代表会议")
    assert "出席人数 15 / 19 人 = 78.95% ≥ 2/3 ✓" in lines
    assert "表决：同意 12，反对 2，弃权 1，未表决 0" in lines
    assert lines[-1] == "结果：通过"
    assert str(decide(VILLAGE_REPS, Counts(members=19, present=1, agree=1))).endswith("决定无效")


def test_thousands_are_grouped() -> None:
    t = Threshold.check("到会村民", 12345, 20000, MORE_THAN_HALF)
    assert t.describe() == "到会村民 12,345 / 20,000 人 = 61.73% > 1/2 ✓"
    assert str(t) == t.describe()


def test_percent_rounds_half_up_for_display_only() -> None:
    # 1/8 = 12.5 % exactly; 1/800 = 0.125 % → 0.13 %.
    assert "0.13%" in Threshold.check("x", 1, 800, MORE_THAN_HALF).describe()


# --- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "counts", "message"),
    [
        (COUNCIL, Counts(members=-1, present=0, agree=0), "不能为负数"),
        (COUNCIL, Counts(members=5, present=-1, agree=0), "不能为负数"),
        (COUNCIL, Counts(members=5, present=3, agree=-1), "不能为负数"),
        (COUNCIL, Counts(members=5, present=6, agree=0), "超过应到人数"),
        (COUNCIL, Counts(members=5, present=3, agree=2, disagree=1, abstain=1), "超过出席人数"),
        (VILLAGERS, Counts(members=50, present=30, agree=0, households=10, households_represented=11), "超过总户数"),
        (VILLAGERS, Counts(members=50, present=3, agree=0, households=10, households_represented=4), "超过到会人数"),
        (VILLAGE_REPS, Counts(members=19, present=13, agree=0, households=3), "只有村民会议"),
        ("general_assembly", Counts(members=1, present=1, agree=1), "会议类别"),
    ],
)
def test_bad_counts_raise(kind: str, counts: Counts, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decide(kind, counts)


def test_non_integer_counts_raise_type_error() -> None:
    with pytest.raises(TypeError):
        decide(COUNCIL, Counts(members=5, present=3.0, agree=1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        decide(COUNCIL, Counts(members=5, present=True, agree=1))  # type: ignore[arg-type]


def test_statutory_bodies_refuse_custom_shares() -> None:
    with pytest.raises(ValueError, match="只有议事会"):
        decide(VILLAGE_REPS, Counts(members=3, present=3, agree=3), quorum=MORE_THAN_HALF)
    with pytest.raises(ValueError, match="只有议事会"):
        decide(VILLAGERS, Counts(members=3, present=3, agree=3), majority=MORE_THAN_HALF)


def test_bad_shares() -> None:
    with pytest.raises(TypeError):
        Share(0.5, strict=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Share(Fraction(1, 2), strict=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="之间"):
        Share(Fraction(0), strict=False)
    with pytest.raises(ValueError, match="之间"):
        Share(Fraction(3, 2), strict=False)
    with pytest.raises(ValueError, match="永远无法达到"):
        Share(Fraction(1), strict=True)
    assert Share(Fraction(1), strict=False).admits(3, 3)


def test_share_round_trips_through_a_dict() -> None:
    share = Share(Fraction(3, 5), strict=False)
    assert Share.from_dict(share.as_dict()) == share
    assert share.symbol() == "≥ 3/5"


# --- properties --------------------------------------------------------------

sizes = st.integers(min_value=0, max_value=3000)


@st.composite
def counts(draw: st.DrawFn, *, with_households: bool = False) -> Counts:
    members = draw(sizes)
    present = draw(st.integers(0, members))
    agree = draw(st.integers(0, present))
    disagree = draw(st.integers(0, present - agree))
    abstain = draw(st.integers(0, present - agree - disagree))
    households = represented = 0
    if with_households:
        households = draw(sizes)
        represented = draw(st.integers(0, min(households, present)))
    return Counts(members, present, agree, disagree, abstain, households, represented)


def _safe_share(fraction: Fraction, strict: bool) -> Share:
    return Share(fraction, strict=strict and fraction < 1)


share_strategy = st.builds(
    _safe_share, st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=100), st.booleans()
)


@given(counts())
def test_representatives_match_integer_arithmetic(c: Counts) -> None:
    result = decide(VILLAGE_REPS, c)
    assert result.quorum_met == (c.members > 0 and 3 * c.present >= 2 * c.members)
    assert result.passed == (result.quorum_met and 2 * c.agree > c.present)


@given(counts(with_households=True))
def test_villagers_quorum_is_either_line(c: Counts) -> None:
    result = decide(VILLAGERS, c)
    by_adults = c.members > 0 and 2 * c.present > c.members
    by_households = c.households > 0 and 3 * c.households_represented >= 2 * c.households
    assert result.quorum_met == (by_adults or by_households)
    assert result.passed == (result.quorum_met and 2 * c.agree > c.present)
    assert len(result.thresholds) == 3


@given(counts())
def test_residents_and_default_council_agree(c: Counts) -> None:
    residents, council = decide(RESIDENTS, c), decide(COUNCIL, c)
    assert residents.quorum_met == council.quorum_met == (c.members > 0 and 2 * c.present > c.members)
    assert residents.passed == council.passed


@given(counts(), share_strategy, share_strategy)
def test_council_shares_are_exact(c: Counts, quorum: Share, majority: Share) -> None:
    result = decide(COUNCIL, c, quorum=quorum, majority=majority)

    def admits(share: Share, n: int, d: int) -> bool:
        if d == 0:
            return False
        q = share.fraction
        # Cross-multiplied integers: no division, no float.
        return n * q.denominator > q.numerator * d if share.strict else n * q.denominator >= q.numerator * d

    assert result.quorum_met == admits(quorum, c.present, c.members)
    assert result.passed == (result.quorum_met and admits(majority, c.agree, c.present))


@given(counts())
def test_passing_implies_quorum_and_agreement_is_monotonic(c: Counts) -> None:
    result = decide(VILLAGE_REPS, c)
    if result.passed:
        assert result.quorum_met
    # One more "agree" instead of a non-vote never turns a pass into a fail.
    if c.not_voting > 0:
        more = Counts(c.members, c.present, c.agree + 1, c.disagree, c.abstain)
        assert decide(VILLAGE_REPS, more).passed >= result.passed


@given(counts())
def test_describe_shows_the_exact_counts(c: Counts) -> None:
    result = decide(VILLAGE_REPS, c)
    first = result.thresholds[0].describe()
    assert first.startswith(f"出席人数 {c.present:,} / {c.members:,} 人 = ")
    assert first.endswith("✓" if result.quorum_met else "✗")
    assert result.describe().splitlines()[-1].startswith("结果：")


@given(counts(), st.integers(1, 50))
def test_too_many_votes_always_raise(c: Counts, extra: int) -> None:
    assume(c.present + extra <= 10**6)
    with pytest.raises(ValueError, match="超过出席人数"):
        decide(COUNCIL, Counts(c.members, c.present, c.present - c.disagree - c.abstain + extra, c.disagree, c.abstain))


def test_module_exports_exist() -> None:
    for name in assembly.__all__:
        assert hasattr(assembly, name)
