"""Sharing a joint cost among households to the fen.

《民法典》 第二百八十三条: the costs of a building and its facilities are shared
as the owners agree, and failing agreement in proportion to each owner's
exclusive area; `split` with areas as weights is that default. For an
elevator retrofit (加装电梯) the owners of a stairwell usually agree to weight
each flat's area by a floor coefficient, because upper floors gain most and
the ground floor gains nothing; there is no national table, so the
coefficients are set by local rules and by each stairwell's own agreement.

Amounts are whole fen, the smallest unit of the renminbi (《人民币管理条例》
第三条). Rounding each share on its own makes the shares miss the bill by a
few fen, so `split` uses the largest-remainder (Hamilton) method, which
conserves the total exactly and never moves a share more than one fen from
its exact quota. All arithmetic is exact (Fraction); floats are refused.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

__all__ = [
    "DEFAULT_ELEVATOR_COEFFICIENTS",
    "Weight",
    "coefficients_for",
    "elevator_weights",
    "split",
]

Weight = Decimal | Fraction | int

# An illustrative table for a six-storey stairwell: the ground floor pays
# nothing, the top floor most. Local rules differ (some also exempt the
# second floor, some use fixed per-floor percentages instead of area
# weights), so the app stores each community's own table and passes it in;
# this default only pre-fills the form.
DEFAULT_ELEVATOR_COEFFICIENTS: Mapping[int, Decimal] = MappingProxyType(
    {
        1: Decimal("0"),
        2: Decimal("0.5"),
        3: Decimal("0.8"),
        4: Decimal("1.0"),
        5: Decimal("1.2"),
        6: Decimal("1.4"),
    }
)


def _as_fraction(key: str, weight: Weight) -> Fraction:
    # bool is an int subclass and a float already carries binary rounding
    # error; neither is a meaningful weight.
    if isinstance(weight, bool) or not isinstance(weight, Decimal | Fraction | int):
        raise TypeError(f"{key}的权重应为Decimal、Fraction或整数，当前为{type(weight).__name__}")
    if isinstance(weight, Decimal) and not weight.is_finite():
        raise ValueError(f"{key}的权重无效：{weight}")
    value = Fraction(weight)
    if value < 0:
        raise ValueError(f"{key}的权重不能为负数：{weight}")
    return value


def split(total_fen: int, weights: Mapping[str, Weight]) -> dict[str, int]:
    """Share total_fen in proportion to weights, in whole fen summing to total_fen.

    Each key first gets floor(total × w / W); the fen left over go one each to
    the largest remainders, ties to the key that sorts first as a string. A
    zero weight always gets 0. The result keeps the order of `weights`.
    """
    if isinstance(total_fen, bool) or not isinstance(total_fen, int):
        raise TypeError("分摊总额应为以分为单位的整数")
    if total_fen < 0:
        raise ValueError(f"分摊总额不能为负数：{total_fen}分")
    if not weights:
        raise ValueError("没有分摊对象")
    exact = {key: _as_fraction(key, weight) for key, weight in weights.items()}
    whole = sum(exact.values(), Fraction(0))
    if whole == 0:
        raise ValueError("权重全部为0，无法分摊")

    quotas = {key: total_fen * weight / whole for key, weight in exact.items()}
    shares = {key: math.floor(quota) for key, quota in quotas.items()}
    leftover = total_fen - sum(shares.values())
    # The remainders sum to `leftover` and each is < 1, so more keys have a
    # positive remainder than there are fen left: a zero weight never gets one.
    by_remainder = sorted(quotas, key=lambda key: (shares[key] - quotas[key], key))
    for key in by_remainder[:leftover]:
        shares[key] += 1
    return shares


def _exact_decimal(value: Fraction) -> Decimal | None:
    """The Decimal equal to value, or None if its decimal expansion never ends."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    # Integer arithmetic, so no Decimal context can round it.
    scaled = value.numerator * 10**places // value.denominator
    return Decimal(scaled).scaleb(-places)


def _coefficient(floor: int, coefficient: Weight) -> Decimal:
    if isinstance(coefficient, bool) or not isinstance(coefficient, Decimal | Fraction | int):
        raise TypeError(f"第{floor}层的分摊系数应为Decimal、Fraction或整数")
    if isinstance(coefficient, Decimal):
        if not coefficient.is_finite():
            raise ValueError(f"第{floor}层的分摊系数无效：{coefficient}")
        value = coefficient
    else:
        converted = _exact_decimal(Fraction(coefficient))
        if converted is None:
            raise ValueError(f"第{floor}层的分摊系数{coefficient}不能精确表示为小数，请改用有限小数")
        value = converted
    if value < 0:
        raise ValueError(f"第{floor}层的分摊系数不能为负数：{coefficient}")
    return value


def _exact_product(a: Decimal, b: Decimal) -> Decimal:
    # A product of two decimals always terminates; lift the 28-digit default
    # precision so it is never rounded.
    with decimal.localcontext() as ctx:
        ctx.prec = decimal.MAX_PREC
        ctx.traps[decimal.Inexact] = True
        return a * b


def elevator_weights(
    households: Iterable[tuple[str, int, Decimal]], coefficients: Mapping[int, Weight]
) -> dict[str, Decimal]:
    """Weight each household (household_id, floor, area) by area × its floor's coefficient.

    Feed the result to `split`. Fraction coefficients are accepted when they
    are terminating decimals (1/2, 3/4), since the weights are Decimal.
    """
    table = {floor: _coefficient(floor, value) for floor, value in coefficients.items()}
    weights: dict[str, Decimal] = {}
    for household_id, floor, area in households:
        if household_id in weights:
            raise ValueError(f"住户重复：{household_id}")
        if not isinstance(area, Decimal):
            raise TypeError(f"住户{household_id}的面积应为Decimal")
        if not area.is_finite() or area <= 0:
            raise ValueError(f"住户{household_id}的面积应大于0，当前为{area}")
        if floor not in table:
            raise ValueError(f"第{floor}层没有设定分摊系数（住户{household_id}）")
        weights[household_id] = _exact_product(area, table[floor])
    return weights


def coefficients_for(floors: int, table: Mapping[int, Decimal] | None = None) -> dict[int, Decimal]:
    """The coefficients for floors 1..floors from table (default: DEFAULT_ELEVATOR_COEFFICIENTS)."""
    if isinstance(floors, bool) or not isinstance(floors, int):
        raise TypeError("楼层数应为整数")
    if floors < 1:
        raise ValueError(f"楼层数应至少为1，当前为{floors}")
    source = DEFAULT_ELEVATOR_COEFFICIENTS if table is None else table
    result: dict[int, Decimal] = {}
    for floor in range(1, floors + 1):
        if floor not in source:
            raise ValueError(f"分摊系数表缺少第{floor}层")
        result[floor] = _coefficient(floor, source[floor])
    return result
