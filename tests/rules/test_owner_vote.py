from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules import owner_vote
from gongzhi.rules.owner_vote import Result, Threshold, Unit, tally


def units_of(*areas: str, owners: Sequence[str] | None = None) -> list[Unit]:
    """Units u0, u1, ... owned by o0, o1, ... unless owners are given."""
    owner_ids = owners if owners is not None else [f"o{i}" for i in range(len(areas))]
    return [Unit(f"u{i}", owner, Decimal(area)) for i, (area, owner) in enumerate(zip(areas, owner_ids, strict=True))]


def agreeing(*owners: str) -> dict[str, str]:
    return dict.fromkeys(owners, "agree")


def met(result: Result) -> list[bool]:
    return [t.met for t in result.thresholds]


# --- quorum boundaries -------------------------------------------------------


def test_exactly_two_thirds_of_area_and_owners_is_a_quorum() -> None:
    # 200 / 300 m² and 2 / 3 owners: "三分之二以上" includes 2/3 itself (Art. 1259).
    result = tally(units_of("100.00", "100.00", "100.00"), agreeing("o0", "o1"), "major")
    assert result.participating_area == Decimal("200.00")
    assert result.total_area == Decimal("300.00")
    assert result.thresholds[0].ratio == Fraction(2, 3)
    assert result.thresholds[1].ratio == Fraction(2, 3)
    assert result.quorum_met
    assert result.passed


def test_one_fen_of_area_below_two_thirds_is_no_quorum() -> None:
    # 199.99 / 299.99: 199.99 * 3 = 599.97 < 299.99 * 2 = 599.98.
    result = tally(units_of("99.99", "100.00", "100.00"), agreeing("o0", "o1"), "ordinary")
    assert result.participating_area == Decimal("199.99")
    assert result.thresholds[0].ratio == Fraction(19999, 29999)
    assert met(result) == [False, True, True, True]
    assert not result.quorum_met
    assert not result.passed


def test_one_owner_below_two_thirds_is_no_quorum() -> None:
    # 5 of 8 owners (62.5 %) take part, although they hold 90 % of the area.
    areas = ["300.00"] * 3 + ["10.00"] * 5
    result = tally(units_of(*areas), agreeing("o0", "o1", "o2", "o3", "o4"), "ordinary")
    assert result.participating_owners == 5
    assert result.thresholds[0].met
    assert not result.thresholds[1].met
    assert not result.quorum_met
    assert not result.passed


def test_no_quorum_fails_even_if_everyone_present_agrees() -> None:
    result = tally(units_of("100", "100", "100", "100"), agreeing("o0", "o1"), "ordinary")
    assert result.agree_owners == result.participating_owners == 2
    assert result.thresholds[2].met
    assert result.thresholds[3].met
    assert not result.quorum_met
    assert not result.passed


def test_exact_where_floats_would_round() -> None:
    # At 10^15 m² a double cannot see the 0.01 m², and would call 2/3 reached.
    big = "1000000000000000.00"
    units = units_of(big, big, "1000000000000000.01")
    assert 2e15 / float(Decimal("3000000000000000.01")) >= 2 / 3
    result = tally(units, agreeing("o0", "o1"), "ordinary")
    assert result.total_area == Decimal("3000000000000000.01")
    assert not result.thresholds[0].met


def test_sums_are_not_rounded_to_the_decimal_context() -> None:
    # 33 significant digits: the default 28-digit context would drop the fen.
    units = units_of("1000000000000000000000000000000", "0.01")
    result = tally(units, {}, "ordinary")
    assert result.total_area == Decimal("1000000000000000000000000000000.01")


# --- decision boundaries -----------------------------------------------------


def test_exactly_three_quarters_passes_a_major_matter() -> None:
    units = units_of("80.00", "80.00", "80.00", "80.00")
    ballots = {"o0": "agree", "o1": "agree", "o2": "agree", "o3": "disagree"}
    result = tally(units, ballots, "major")
    assert result.thresholds[2].ratio == Fraction(3, 4)
    assert result.thresholds[3].ratio == Fraction(3, 4)
    assert result.passed


def test_below_three_quarters_of_area_fails_a_major_matter() -> None:
    # 3 of 4 owners agree, but they hold 239.99 of 320.00 m² (< 240.00).
    units = units_of("79.99", "80.00", "80.00", "80.01")
    ballots = {"o0": "agree", "o1": "agree", "o2": "agree", "o3": "disagree"}
    result = tally(units, ballots, "major")
    assert met(result) == [True, True, False, True]
    assert not result.passed


def test_below_three_quarters_of_owners_fails_a_major_matter() -> None:
    # 90 % of the area agrees but only 2 of 3 owners (< 3/4).
    units = units_of("450.00", "450.00", "100.00")
    ballots = {"o0": "agree", "o1": "agree", "o2": "disagree"}
    result = tally(units, ballots, "major")
    assert met(result) == [True, True, True, False]
    assert not result.passed
    assert tally(units, ballots, "ordinary").passed


def test_exactly_half_fails_an_ordinary_matter_and_one_more_owner_passes() -> None:
    units = units_of("90.00", "90.00", "90.00", "90.00")
    half = {"o0": "agree", "o1": "agree", "o2": "disagree", "o3": "disagree"}
    result = tally(units, half, "ordinary")
    assert result.thresholds[2].ratio == Fraction(1, 2)
    assert met(result) == [True, True, False, False]
    assert not result.passed
    one_more = half | {"o2": "agree"}
    assert tally(units, one_more, "ordinary").passed


def test_half_of_area_fails_an_ordinary_matter_despite_a_head_majority() -> None:
    units = units_of("100.00", "100.00", "200.00")
    result = tally(units, {"o0": "agree", "o1": "agree", "o2": "disagree"}, "ordinary")
    assert met(result) == [True, True, False, True]
    assert not result.passed


def test_a_major_matter_needs_more_than_an_ordinary_one() -> None:
    units = units_of("100", "100", "100", "100", "100")
    ballots = {"o0": "agree", "o1": "agree", "o2": "agree", "o3": "disagree", "o4": "disagree"}
    assert tally(units, ballots, "ordinary").passed
    assert not tally(units, ballots, "major").passed


# --- counting ----------------------------------------------------------------


def test_an_owner_of_several_units_counts_once_with_summed_area() -> None:
    units = [
        Unit("1-101", "wang", Decimal("60.50")),
        Unit("1-102", "wang", Decimal("70.25")),
        Unit("车位-08", "wang", Decimal("12.00")),
        Unit("1-201", "li", Decimal("88.00")),
    ]
    result = tally(units, {"wang": "agree"}, "ordinary")
    assert result.total_owners == 2
    assert result.total_area == Decimal("230.75")
    assert result.participating_owners == 1
    assert result.participating_area == Decimal("142.75")
    assert result.agree_area == Decimal("142.75")
    # 142.75 / 230.75 ≥ 2/3 by area, but 1 of 2 owners is not a quorum.
    assert met(result)[:2] == [False, False]


def test_developer_unsold_units_count_as_one_owner() -> None:
    units = units_of(*["100.00"] * 10) + [Unit(f"d{i}", "developer", Decimal("100.00")) for i in range(10)]
    ballots = agreeing("developer", "o0", "o1", "o2", "o3", "o4", "o5")
    result = tally(units, ballots, "ordinary")
    assert result.total_owners == 11
    assert result.total_area == Decimal("2000.00")
    assert result.participating_area == Decimal("1600.00")
    # The developer's 1,000 m² cannot buy a head count: 7 of 11 < 2/3.
    assert result.participating_owners == 7
    assert met(result) == [True, False, True, True]
    assert not result.passed
    ballots["o6"] = "disagree"
    assert tally(units, ballots, "ordinary").passed


def test_abstention_participates_but_does_not_agree() -> None:
    units = units_of("100", "100", "100")
    ballots = {"o0": "agree", "o1": "agree", "o2": "abstain"}
    ordinary = tally(units, ballots, "ordinary")
    assert ordinary.participating_owners == 3
    assert ordinary.participating_area == Decimal(300)
    assert ordinary.agree_owners == 2
    assert ordinary.abstain_owners == 1
    assert ordinary.abstain_area == Decimal(100)
    assert ordinary.quorum_met
    assert ordinary.passed
    # 2/3 agree < 3/4: the abstention counts against a major matter.
    assert not tally(units, ballots, "major").passed
    # Without the abstention there would be no quorum at all.
    assert not tally(units, agreeing("o0", "o1") | {"o2": "disagree"}, "major").passed
    assert not tally(units_of("100", "100", "100", "100"), agreeing("o0", "o1"), "major").quorum_met


def test_nobody_votes() -> None:
    result = tally(units_of("50.00", "60.00"), {}, "major")
    assert result.participating_area == Decimal(0)
    assert result.participating_owners == 0
    assert [t.ratio for t in result.thresholds] == [0, 0, 0, 0]
    assert met(result) == [False, False, False, False]
    assert not result.passed


def test_result_fields() -> None:
    units = units_of("10.00", "20.00", "30.00", "40.00")
    ballots = {"o0": "agree", "o1": "disagree", "o2": "abstain", "o3": "agree"}
    result = tally(units, ballots, "ordinary")
    assert result == Result(
        matter="ordinary",
        total_area=Decimal("100.00"),
        total_owners=4,
        participating_area=Decimal("100.00"),
        participating_owners=4,
        agree_area=Decimal("50.00"),
        agree_owners=2,
        disagree_area=Decimal("20.00"),
        disagree_owners=1,
        abstain_area=Decimal("30.00"),
        abstain_owners=1,
        quorum_met=True,
        passed=False,
        thresholds=(
            Threshold("参与表决面积", Decimal("100.00"), Decimal("100.00"), Fraction(2, 3), False, True),
            Threshold("参与表决人数", 4, 4, Fraction(2, 3), False, True),
            Threshold("同意面积", Decimal("50.00"), Decimal("100.00"), Fraction(1, 2), True, False),
            Threshold("同意人数", 2, 4, Fraction(1, 2), True, False),
        ),
    )


def test_units_may_be_any_iterable() -> None:
    result = tally(iter(units_of("1", "2", "3")), agreeing("o0", "o1", "o2"), "major")
    assert result.passed


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "ballots", "matter", "message"),
    [
        ([], {}, "ordinary", "^没有专有部分，无法计票$"),
        (units_of("1", "2"), {}, "special", "^表决事项类别应为major或ordinary，当前为'special'$"),
        (units_of("1", "2"), {}, "", "表决事项类别"),
        (units_of("1", "2"), {"stranger": "agree"}, "ordinary", "^选票来自未登记为业主的人：stranger$"),
        (units_of("1", "2"), {"o0": "yes"}, "ordinary", "^业主o0的表决意见无效：'yes'，应为agree、disagree或abstain$"),
        (units_of("1", "2"), {"o0": "AGREE"}, "ordinary", "表决意见无效"),
        (units_of("1", "2"), {"o0": ""}, "major", "表决意见无效"),
        (
            [Unit("1-101", "a", Decimal(1)), Unit("1-101", "b", Decimal(2))],
            {},
            "ordinary",
            "^专有部分编号重复：1-101$",
        ),
        ([Unit("1-101", "a", Decimal(0))], {}, "ordinary", "^专有部分1-101的面积应大于0，当前为0$"),
        ([Unit("1-101", "a", Decimal("-0.01"))], {}, "ordinary", "面积应大于0"),
        ([Unit("1-101", "a", Decimal("NaN"))], {}, "ordinary", "面积应大于0"),
        ([Unit("1-101", "a", Decimal("Infinity"))], {}, "ordinary", "面积应大于0"),
        ([Unit("", "a", Decimal(1))], {}, "ordinary", "^专有部分编号不能为空$"),
        ([Unit("1-101", "", Decimal(1))], {}, "ordinary", "^专有部分1-101缺少业主$"),
    ],
)
def test_invalid_input_raises_value_error(
    units: list[Unit], ballots: dict[str, str], matter: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        tally(units, ballots, matter)


def test_a_valid_unit_does_not_excuse_a_bad_one() -> None:
    units = [*units_of("100", "100"), Unit("u9", "o9", Decimal("-1"))]
    with pytest.raises(ValueError, match="专有部分u9的面积应大于0"):
        tally(units, {}, "ordinary")


def test_float_area_is_refused() -> None:
    units = [Unit("1-101", "a", 80.5)]  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="面积应为Decimal"):
        tally(units, {}, "ordinary")


# --- rendering ---------------------------------------------------------------


def test_describe_area_threshold() -> None:
    threshold = Threshold.check("参与表决面积", Decimal("8123.40"), Decimal("11500.00"), Fraction(2, 3), strict=False)
    assert threshold.met
    assert threshold.ratio == Fraction(81234, 115000)
    assert threshold.describe() == "参与表决面积 8,123.40 / 11,500.00 m² = 70.64% ≥ 2/3 ✓"
    assert str(threshold) == threshold.describe()


def test_describe_shows_exact_operands_and_rounds_only_the_percentage() -> None:
    result = tally(units_of("99.99", "100.00", "100.00"), agreeing("o0", "o1"), "ordinary")
    # 66.6655…% rounds to 66.67 % for display, yet the test fails on the exact values.
    assert result.thresholds[0].describe() == "参与表决面积 199.99 / 299.99 m² = 66.67% ≥ 2/3 ✗"
    exact = tally(units_of("100.00", "100.00", "100.00"), agreeing("o0", "o1"), "ordinary")
    assert exact.thresholds[0].describe() == "参与表决面积 200.00 / 300.00 m² = 66.67% ≥ 2/3 ✓"


def test_describe_rounds_half_up() -> None:
    # 1/8 = 12.5 % exactly; 1/1600 = 0.0625 % -> 0.06 %; 1/800 = 0.125 % -> 0.13 %.
    assert "= 12.50%" in Threshold.check("同意人数", 1, 8, Fraction(1, 2), strict=True).describe()
    assert "= 0.06%" in Threshold.check("同意人数", 1, 1600, Fraction(1, 2), strict=True).describe()
    assert "= 0.13%" in Threshold.check("同意人数", 1, 800, Fraction(1, 2), strict=True).describe()


def test_describe_head_counts_and_strict_thresholds() -> None:
    owners = Threshold.check("参与表决人数", 1234, 1500, Fraction(2, 3), strict=False)
    assert owners.describe() == "参与表决人数 1,234 / 1,500 人 = 82.27% ≥ 2/3 ✓"
    half = Threshold.check("同意人数", 617, 1234, Fraction(1, 2), strict=True)
    assert not half.met
    assert half.describe() == "同意人数 617 / 1,234 人 = 50.00% > 1/2 ✗"
    major = Threshold.check("同意面积", Decimal("7500.00"), Decimal("10000.00"), Fraction(3, 4), strict=False)
    assert major.describe() == "同意面积 7,500.00 / 10,000.00 m² = 75.00% ≥ 3/4 ✓"


def test_describe_nobody_participating() -> None:
    result = tally(units_of("50.00", "60.00"), {}, "major")
    assert [t.describe() for t in result.thresholds] == [
        "参与表决面积 0.00 / 110.00 m² = 0.00% ≥ 2/3 ✗",
        "参与表决人数 0 / 2 人 = 0.00% ≥ 2/3 ✗",
        "同意面积 0.00 / 0.00 m² = — ≥ 3/4 ✗",
        "同意人数 0 / 0 人 = — ≥ 3/4 ✗",
    ]


def test_result_describe() -> None:
    units = units_of("100.00", "100.00", "100.00")
    passed = tally(units, {"o0": "agree", "o1": "agree", "o2": "disagree"}, "ordinary")
    assert passed.describe() == "\n".join(
        [
            "表决事项：第二百七十八条第一款其他事项（须过半数同意）",
            "参与表决面积 300.00 / 300.00 m² = 100.00% ≥ 2/3 ✓",
            "参与表决人数 3 / 3 人 = 100.00% ≥ 2/3 ✓",
            "同意面积 200.00 / 300.00 m² = 66.67% > 1/2 ✓",
            "同意人数 2 / 3 人 = 66.67% > 1/2 ✓",
            "结果：通过",
        ]
    )
    assert str(passed) == passed.describe()
    failed = tally(units, {"o0": "agree", "o1": "agree", "o2": "disagree"}, "major")
    assert failed.describe().splitlines()[0] == "表决事项：第二百七十八条第一款第六项至第八项事项（须四分之三以上同意）"
    assert failed.describe().splitlines()[-1] == "结果：未通过"
    no_quorum = tally(units, agreeing("o0"), "ordinary")
    assert no_quorum.describe().splitlines()[-1] == "结果：参与表决的业主未达法定比例，未通过"


# --- properties --------------------------------------------------------------

OWNER_POOL = [f"o{i}" for i in range(8)] + ["developer"]
areas = st.integers(min_value=1, max_value=100_000_00).map(lambda fen: Decimal(fen).scaleb(-2))


@dataclass(frozen=True)
class Case:
    units: list[Unit]
    ballots: dict[str, str]
    matter: str


@st.composite
def cases(draw: st.DrawFn) -> Case:
    owners = draw(st.lists(st.sampled_from(OWNER_POOL), min_size=1, max_size=20))
    units = [Unit(f"u{i}", owner, draw(areas)) for i, owner in enumerate(owners)]
    voters = draw(st.lists(st.sampled_from(sorted(set(owners))), unique=True))
    ballots = {voter: draw(st.sampled_from(["agree", "disagree", "abstain"])) for voter in voters}
    return Case(units, ballots, draw(st.sampled_from(["major", "ordinary"])))


def reference(case: Case) -> tuple[bool, bool, list[bool], list[Fraction]]:
    """Brute force from the text of Art. 278, unit by unit, with Fractions."""
    owners = {u.owner_id for u in case.units}
    total = sum((Fraction(u.area) for u in case.units), Fraction(0))
    voted = {o for o in owners if o in case.ballots}
    agreed = {o for o in voted if case.ballots[o] == "agree"}
    part_area = sum((Fraction(u.area) for u in case.units if u.owner_id in voted), Fraction(0))
    agree_area = sum((Fraction(u.area) for u in case.units if u.owner_id in agreed), Fraction(0))
    checks = [part_area * 3 >= total * 2, len(voted) * 3 >= len(owners) * 2]
    if case.matter == "major":
        checks += [
            voted != set() and agree_area * 4 >= part_area * 3,
            voted != set() and len(agreed) * 4 >= len(voted) * 3,
        ]
    else:
        checks += [agree_area * 2 > part_area, len(agreed) * 2 > len(voted)]
    ratios = [
        part_area / total,
        Fraction(len(voted), len(owners)),
        agree_area / part_area if part_area else Fraction(0),
        Fraction(len(agreed), len(voted)) if voted else Fraction(0),
    ]
    quorum = checks[0] and checks[1]
    return quorum, quorum and checks[2] and checks[3], checks, ratios


@given(cases())
def test_matches_brute_force_reference(case: Case) -> None:
    result = tally(case.units, case.ballots, case.matter)
    quorum, passed, checks, ratios = reference(case)
    assert result.quorum_met is quorum
    assert result.passed is passed
    assert met(result) == checks
    assert [t.ratio for t in result.thresholds] == ratios
    assert result.total_owners == len({u.owner_id for u in case.units})
    assert result.total_area == sum((u.area for u in case.units), Decimal(0))


@given(cases(), st.data())
def test_invariant_under_permutation(case: Case, data: st.DataObject) -> None:
    shuffled_units = data.draw(st.permutations(case.units))
    shuffled_ballots = dict(data.draw(st.permutations(list(case.ballots.items()))))
    assert tally(shuffled_units, shuffled_ballots, case.matter) == tally(case.units, case.ballots, case.matter)


@given(cases(), st.data())
def test_switching_to_agree_never_undoes_a_pass(case: Case, data: st.DataObject) -> None:
    against = sorted(o for o, c in case.ballots.items() if c != "agree")
    before = tally(case.units, case.ballots, case.matter)
    if not against:
        return
    switched = data.draw(st.sampled_from(against))
    after = tally(case.units, case.ballots | {switched: "agree"}, case.matter)
    assert after.quorum_met == before.quorum_met
    assert after.passed or not before.passed
    assert after.agree_area > before.agree_area


@given(cases(), st.data())
def test_an_extra_agreeing_voter_never_undoes_a_pass(case: Case, data: st.DataObject) -> None:
    absent = sorted({u.owner_id for u in case.units} - case.ballots.keys())
    before = tally(case.units, case.ballots, case.matter)
    if not absent:
        return
    newcomer = data.draw(st.sampled_from(absent))
    after = tally(case.units, case.ballots | {newcomer: "agree"}, case.matter)
    assert after.passed or not before.passed


@given(cases())
def test_parts_never_exceed_wholes(case: Case) -> None:
    result = tally(case.units, case.ballots, case.matter)
    assert 0 <= result.agree_area <= result.participating_area <= result.total_area
    assert 0 <= result.agree_owners <= result.participating_owners <= result.total_owners
    assert result.agree_area + result.disagree_area + result.abstain_area == result.participating_area
    assert result.agree_owners + result.disagree_owners + result.abstain_owners == result.participating_owners
    assert not result.passed or result.quorum_met


@given(cases(), st.integers(min_value=1, max_value=10**9), st.integers(min_value=-6, max_value=6))
def test_scaling_all_areas_keeps_the_outcome(case: Case, mantissa: int, exponent: int) -> None:
    factor = Decimal(mantissa).scaleb(exponent)
    scaled = [Unit(u.unit_id, u.owner_id, u.area * factor) for u in case.units]
    original = tally(case.units, case.ballots, case.matter)
    result = tally(scaled, case.ballots, case.matter)
    assert (result.quorum_met, result.passed) == (original.quorum_met, original.passed)
    assert met(result) == met(original)
    assert [t.ratio for t in result.thresholds] == [t.ratio for t in original.thresholds]


@given(cases())
def test_major_pass_implies_ordinary_pass(case: Case) -> None:
    # 3/4 of a non-empty whole is always more than half of it.
    if tally(case.units, case.ballots, "major").passed:
        assert tally(case.units, case.ballots, "ordinary").passed


def test_module_exports() -> None:
    assert set(owner_vote.__all__) >= {"Unit", "Result", "Threshold", "tally"}
