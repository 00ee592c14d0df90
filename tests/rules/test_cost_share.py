from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gongzhi.rules import cost_share
from gongzhi.rules.cost_share import (
    DEFAULT_ELEVATOR_COEFFICIENTS,
    Weight,
    coefficients_for,
    elevator_weights,
    split,
)

# --- split: worked examples --------------------------------------------------


def test_equal_weights_leftover_goes_to_first_key() -> None:
    # 100 / 3 = 33 r 1: the one leftover fen goes to the key sorting first.
    assert split(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}


def test_tie_break_follows_key_order_not_insertion_order() -> None:
    result = split(100, {"c": 1, "b": 1, "a": 1})
    assert result == {"c": 33, "b": 33, "a": 34}
    assert list(result) == ["c", "b", "a"]


def test_tie_break_with_several_leftover_fen() -> None:
    # 11 / 4 = 2 r 3: all remainders equal (3/4), first three keys get one more.
    assert split(11, {"1-402": 1, "1-401": 1, "1-302": 1, "1-301": 1}) == {
        "1-402": 2,
        "1-401": 3,
        "1-302": 3,
        "1-301": 3,
    }


def test_tie_break_uses_code_point_order() -> None:
    # Code points: "B" (0x42) < "a" (0x61) < "张" (0x5f20).
    assert split(2, {"张": 1, "a": 1, "B": 1}) == {"张": 0, "a": 1, "B": 1}


def test_largest_remainder_wins_over_key_order() -> None:
    # Quotas 10/3 = 3.33 and 20/3 = 6.67: the leftover fen goes to "b".
    assert split(10, {"a": 1, "b": 2}) == {"a": 3, "b": 7}


def test_hamilton_textbook_example() -> None:
    # Quotas for 1,000 fen at weights 5:3:2:1 (W = 11): 454.54, 272.72, 181.81, 90.90;
    # floors sum to 997, remainders 6/11, 8/11, 9/11, 10/11 -> d, c, b get one more.
    assert split(1000, {"a": 5, "b": 3, "c": 2, "d": 1}) == {"a": 454, "b": 273, "c": 182, "d": 91}


def test_exact_quotas_need_no_rounding() -> None:
    assert split(600, {"a": Decimal("0.5"), "b": Decimal("0.3"), "c": Decimal("0.2")}) == {"a": 300, "b": 180, "c": 120}


def test_zero_weight_gets_nothing_even_with_leftover() -> None:
    # The zero weight sorts first but has no remainder, so it gets no fen.
    assert split(1, {"a": 0, "b": 1, "c": 1}) == {"a": 0, "b": 1, "c": 0}
    assert split(999, {"a": 0, "b": 1}) == {"a": 0, "b": 999}


def test_mixed_weight_types() -> None:
    weights: dict[str, Weight] = {"a": Decimal("1.5"), "b": Fraction(1, 2), "c": 2}
    assert split(400, weights) == {"a": 150, "b": 50, "c": 200}


def test_zero_total() -> None:
    assert split(0, {"a": 1, "b": 2}) == {"a": 0, "b": 0}


def test_single_key_takes_everything() -> None:
    assert split(12345, {"only": Decimal("0.01")}) == {"only": 12345}


def test_no_float_drift_with_tiny_and_huge_weights() -> None:
    # Doubles cannot tell 1E30 + 1E-30 from 1E30; the exact remainders decide
    # who gets the leftover fen: "big" at 10**40, "tiny" (quota 9.99…) at 10**61.
    weights: dict[str, Weight] = {"big": Decimal("1E30"), "tiny": Decimal("1E-30")}
    assert split(10**40, weights) == {"big": 10**40, "tiny": 0}
    assert split(10**61, weights) == {"big": 10**61 - 10, "tiny": 10}


# --- split: errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (100, {"a": -1, "b": 2}, "^a的权重不能为负数：-1$"),
        (100, {"a": Decimal("-0.01")}, "^a的权重不能为负数：-0.01$"),
        (100, {"a": Fraction(-1, 3), "b": 1}, "权重不能为负数"),
        (100, {"a": 0, "b": 0}, "^权重全部为0，无法分摊$"),
        (100, {"a": Decimal("0.00")}, "^权重全部为0，无法分摊$"),
        (100, {}, "^没有分摊对象$"),
        (-1, {"a": 1}, "^分摊总额不能为负数：-1分$"),
        (-1, {}, "分摊总额不能为负数"),
        (100, {"a": Decimal("NaN")}, "^a的权重无效：NaN$"),
        (100, {"a": Decimal("Infinity")}, "^a的权重无效：Infinity$"),
    ],
)
def test_split_rejects(total: int, weights: dict[str, Weight], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split(total, weights)


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (100, {"a": 0.5}),
        (100, {"a": True}),
        (100.0, {"a": 1}),
        (Decimal(100), {"a": 1}),
        (True, {"a": 1}),
    ],
)
def test_split_refuses_floats_and_bools(total: object, weights: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        split(total, weights)  # type: ignore[arg-type]


# --- split: properties -------------------------------------------------------

keys = st.text(alphabet="abc123张王-", min_size=1, max_size=4)
decimal_weights = st.integers(min_value=0, max_value=10**8).map(lambda n: Decimal(n).scaleb(-2))
fraction_weights = st.fractions(min_value=0, max_value=10**6, max_denominator=10**4)
int_weights = st.integers(min_value=0, max_value=10**6)
any_weight: st.SearchStrategy[Weight] = st.one_of(decimal_weights, fraction_weights, int_weights)
weight_maps = st.dictionaries(keys, any_weight, min_size=1, max_size=12).filter(
    lambda w: any(v > 0 for v in w.values())
)
totals = st.integers(min_value=0, max_value=10**12)


def quotas(total: int, weights: dict[str, Weight]) -> dict[str, Fraction]:
    whole = sum((Fraction(w) for w in weights.values()), Fraction(0))
    return {k: total * Fraction(w) / whole for k, w in weights.items()}


@given(totals, weight_maps)
def test_shares_sum_exactly_to_the_total(total: int, weights: dict[str, Weight]) -> None:
    shares = split(total, weights)
    assert sum(shares.values()) == total
    assert list(shares) == list(weights)
    assert all(isinstance(v, int) and v >= 0 for v in shares.values())


@given(totals, weight_maps)
def test_each_share_is_floor_or_ceil_of_its_quota(total: int, weights: dict[str, Weight]) -> None:
    shares = split(total, weights)
    for key, quota in quotas(total, weights).items():
        assert shares[key] in (math.floor(quota), math.ceil(quota))
        assert abs(shares[key] - quota) < 1


@given(totals, weight_maps)
def test_extra_fen_go_to_the_largest_remainders_then_first_keys(total: int, weights: dict[str, Weight]) -> None:
    shares = split(total, weights)
    exact = quotas(total, weights)
    rounded_up = {k for k in weights if shares[k] > math.floor(exact[k])}
    rest = set(weights) - rounded_up
    for up in rounded_up:
        for other in rest:
            r_up, r_other = exact[up] % 1, exact[other] % 1
            assert r_up > r_other or (r_up == r_other and up < other)


@given(totals, weight_maps)
def test_bigger_weight_never_gets_fewer_fen(total: int, weights: dict[str, Weight]) -> None:
    shares = split(total, weights)
    for a in weights:
        for b in weights:
            if Fraction(weights[a]) > Fraction(weights[b]):
                assert shares[a] >= shares[b]
            if Fraction(weights[a]) == Fraction(weights[b]):
                assert abs(shares[a] - shares[b]) <= 1
                assert shares[a] >= shares[b] or b < a


@given(totals, weight_maps)
def test_zero_weights_get_zero(total: int, weights: dict[str, Weight]) -> None:
    shares = split(total, weights)
    assert all(shares[k] == 0 for k, w in weights.items() if w == 0)


@given(totals, weight_maps, st.integers(min_value=1, max_value=10**6))
def test_scaling_weights_changes_nothing(total: int, weights: dict[str, Weight], factor: int) -> None:
    scaled: dict[str, Weight] = {k: Fraction(w) * factor for k, w in weights.items()}
    assert split(total, scaled) == split(total, weights)


@given(totals, weight_maps)
def test_weight_type_does_not_matter(total: int, weights: dict[str, Weight]) -> None:
    as_fractions: dict[str, Weight] = {k: Fraction(w) for k, w in weights.items()}
    assert split(total, as_fractions) == split(total, weights)


@given(totals, st.lists(keys, min_size=1, max_size=12, unique=True))
def test_equal_weights_give_first_keys_the_extra_fen(total: int, names: list[str]) -> None:
    shares = split(total, dict.fromkeys(names, 1))
    base, extra = divmod(total, len(names))
    assert [shares[k] for k in sorted(names)] == [base + 1] * extra + [base] * (len(names) - extra)


# --- elevator ----------------------------------------------------------------

WEST, EAST = Decimal("80.00"), Decimal("60.00")
SIX_FLOORS = [(f"1-{floor}0{flat}", floor, WEST if flat == 1 else EAST) for floor in range(1, 7) for flat in (1, 2)]


def test_default_coefficients() -> None:
    assert dict(DEFAULT_ELEVATOR_COEFFICIENTS) == {
        1: Decimal(0),
        2: Decimal("0.5"),
        3: Decimal("0.8"),
        4: Decimal("1.0"),
        5: Decimal("1.2"),
        6: Decimal("1.4"),
    }
    with pytest.raises(TypeError):
        DEFAULT_ELEVATOR_COEFFICIENTS[7] = Decimal(2)  # type: ignore[index]


def test_elevator_weights_are_area_times_coefficient() -> None:
    weights = elevator_weights(SIX_FLOORS, DEFAULT_ELEVATOR_COEFFICIENTS)
    assert weights["1-101"] == 0
    assert weights["1-201"] == Decimal("40.000")
    assert weights["1-302"] == Decimal("48.000")
    assert weights["1-601"] == Decimal("112.000")
    assert sum(weights.values()) == Decimal(686)


def test_elevator_example_six_floors_two_flats() -> None:
    # 300,000.00 元 over weights summing to 140 m² × (0.5+0.8+1.0+1.2+1.4) = 686:
    # quota = 30,000,000 × w / 686 = 15,000,000 × w / 343. Floors sum to
    # 29,999,996; the 4 leftover fen go to the largest remainders (in 343rds):
    # 1-301 (281), 1-501 (250), 1-402 (242), 1-602 (133).
    weights = elevator_weights(SIX_FLOORS, coefficients_for(6))
    shares = split(30_000_000, weights)
    assert shares == {
        "1-101": 0,
        "1-102": 0,
        "1-201": 1_749_271,  # 40/686, remainder 47
        "1-202": 1_311_953,  # 30/686, remainder 121
        "1-301": 2_798_834,  # 64/686, remainder 281 -> +1
        "1-302": 2_099_125,  # 48/686, remainder 125
        "1-401": 3_498_542,  # 80/686, remainder 94
        "1-402": 2_623_907,  # 60/686, remainder 242 -> +1
        "1-501": 4_198_251,  # 96/686, remainder 250 -> +1
        "1-502": 3_148_688,  # 72/686, remainder 16
        "1-601": 4_897_959,  # 112/686, remainder 63
        "1-602": 3_673_470,  # 84/686, remainder 133 -> +1
    }
    assert sum(shares.values()) == 30_000_000
    ground = [shares["1-101"], shares["1-102"]]
    assert ground == [0, 0]
    # Higher floors pay more, flat for flat.
    for flat in ("01", "02"):
        column = [shares[f"1-{floor}{flat}"] for floor in range(2, 7)]
        assert column == sorted(column)


def test_elevator_with_custom_table_and_fraction_coefficients() -> None:
    table: dict[int, Weight] = {1: 0, 2: 0, 3: Fraction(1, 2), 4: 1, 5: Fraction(3, 2), 6: Decimal("2")}
    weights = elevator_weights([("a", 2, Decimal("50")), ("b", 3, Decimal("50")), ("c", 6, Decimal("50"))], table)
    assert weights == {"a": Decimal(0), "b": Decimal(25), "c": Decimal(100)}
    assert isinstance(weights["b"], Decimal)
    assert split(100_00, weights) == {"a": 0, "b": 2000, "c": 8000}


def test_elevator_weights_are_exact() -> None:
    # 31 significant digits: the default 28-digit context would round this.
    weights = elevator_weights([("a", 1, Decimal("123456789012345.67"))], {1: Decimal("1.23456789012345")})
    assert weights["a"] == Decimal("152415787532387.5183661103729615")
    assert Fraction(weights["a"]) == Fraction(Decimal("123456789012345.67")) * Fraction(Decimal("1.23456789012345"))


@pytest.mark.parametrize(
    ("households", "table", "message"),
    [
        ([("1-701", 7, Decimal("80"))], DEFAULT_ELEVATOR_COEFFICIENTS, r"^第7层没有设定分摊系数（住户1-701）$"),
        ([("b1", -1, Decimal("80"))], DEFAULT_ELEVATOR_COEFFICIENTS, "^第-1层没有设定分摊系数"),
        ([("1-201", 2, Decimal("0"))], DEFAULT_ELEVATOR_COEFFICIENTS, "^住户1-201的面积应大于0，当前为0$"),
        ([("1-201", 2, Decimal("-60.5"))], DEFAULT_ELEVATOR_COEFFICIENTS, "面积应大于0"),
        ([("1-201", 2, Decimal("NaN"))], DEFAULT_ELEVATOR_COEFFICIENTS, "面积应大于0"),
        (
            [("1-201", 2, Decimal("60")), ("1-201", 3, Decimal("60"))],
            DEFAULT_ELEVATOR_COEFFICIENTS,
            "^住户重复：1-201$",
        ),
        ([("1-201", 2, Decimal("60"))], {2: Decimal("-0.5")}, "^第2层的分摊系数不能为负数：-0.5$"),
        ([("1-201", 2, Decimal("60"))], {2: Fraction(1, 3)}, "^第2层的分摊系数1/3不能精确表示为小数"),
        ([("1-201", 2, Decimal("60"))], {2: Decimal("sNaN")}, "分摊系数无效"),
    ],
)
def test_elevator_weights_reject(
    households: list[tuple[str, int, Decimal]], table: dict[int, Weight], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        elevator_weights(households, table)


def test_elevator_weights_refuse_float_area_and_coefficient() -> None:
    with pytest.raises(TypeError, match="面积应为Decimal"):
        elevator_weights([("1-201", 2, 60.5)], DEFAULT_ELEVATOR_COEFFICIENTS)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="分摊系数应为"):
        elevator_weights([("1-201", 2, Decimal(60))], {2: 0.5})  # type: ignore[dict-item]


def test_elevator_with_only_ground_floor_cannot_be_split() -> None:
    weights = elevator_weights([("1-101", 1, Decimal("80")), ("1-102", 1, Decimal("60"))], coefficients_for(6))
    with pytest.raises(ValueError, match="权重全部为0"):
        split(100, weights)


def test_coefficients_for() -> None:
    assert coefficients_for(1) == {1: Decimal(0)}
    assert coefficients_for(6) == dict(DEFAULT_ELEVATOR_COEFFICIENTS)
    seven = {**DEFAULT_ELEVATOR_COEFFICIENTS, 7: Decimal("1.6"), 8: Decimal("1.8")}
    assert coefficients_for(7, seven) == {**DEFAULT_ELEVATOR_COEFFICIENTS, 7: Decimal("1.6")}


@pytest.mark.parametrize(
    ("floors", "table", "message"),
    [
        (7, None, "^分摊系数表缺少第7层$"),
        (0, None, "^楼层数应至少为1，当前为0$"),
        (-3, None, "楼层数应至少为1"),
        (3, {1: Decimal(0), 3: Decimal(1)}, "^分摊系数表缺少第2层$"),
        (2, {1: Decimal(0), 2: Decimal(-1)}, "^第2层的分摊系数不能为负数：-1$"),
    ],
)
def test_coefficients_for_rejects(floors: int, table: dict[int, Decimal] | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        coefficients_for(floors, table)


elevator_areas = st.integers(min_value=1, max_value=300_00).map(lambda n: Decimal(n).scaleb(-2))


@given(
    st.integers(min_value=0, max_value=10**10),
    st.lists(st.tuples(st.integers(min_value=1, max_value=6), elevator_areas), min_size=1, max_size=24),
)
def test_elevator_split_properties(total: int, flats: list[tuple[int, Decimal]]) -> None:
    assume(any(floor > 1 for floor, _ in flats))
    households = [(f"h{i:02d}", floor, area) for i, (floor, area) in enumerate(flats)]
    table = coefficients_for(6)
    weights = elevator_weights(households, table)
    shares = split(total, weights)
    assert sum(shares.values()) == total
    for household_id, floor, area in households:
        assert weights[household_id] == area * table[floor]
        if floor == 1:
            assert shares[household_id] == 0


def test_module_exports() -> None:
    assert set(cost_share.__all__) >= {"split", "elevator_weights", "coefficients_for", "DEFAULT_ELEVATOR_COEFFICIENTS"}
