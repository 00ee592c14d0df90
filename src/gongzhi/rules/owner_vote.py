"""Tallying owners' joint decisions per 《民法典》 第二百七十八条.

Art. 278 §2: a joint decision needs owners holding two thirds or more of the
exclusive area AND two thirds or more of the owners to take part in the vote.
Items (六) to (八) of §1 (raising the maintenance fund; rebuilding or
reconstructing buildings and facilities; changing the use of common parts or
running a business on them) need three quarters or more of the participating
area AND of the participating owners to agree; every other matter needs more
than half of each. Art. 1259: "以上" includes the number itself and "过半数"
does not, so the 2/3 and 3/4 tests are ">=" and the majority test is ">".

Note that item (五), *using* the maintenance fund, is an ordinary matter under
the Civil Code (the old 物权法 art. 76 grouped it with raising the fund); the
caller picks the matter, this module does not classify topics.

Counting follows 最高人民法院《关于审理建筑物区分所有权纠纷案件适用法律若干问题
的解释》 (法释〔2009〕7号, amended 法释〔2020〕17号):
- art. 8: a unit's area is its registered exclusive area (surveyed area, then
  contract area, where none is registered); the total is the sum over all
  exclusive parts. The caller supplies that area on each Unit.
- art. 9: each exclusive part counts as one person, except that the
  developer's unsold (or sold but undelivered) parts together count as one,
  and one buyer holding several parts counts as one. Here a "person" is an
  owner_id: give co-owners of a unit one id, and all of the developer's
  undelivered units the developer's single id.

Every comparison is exact (Decimal areas summed without rounding, ratios as
Fraction); percentages are rounded only when rendered for people to read.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "ABSTAIN",
    "AGREE",
    "CHOICES",
    "DISAGREE",
    "MAJOR",
    "MATTERS",
    "ORDINARY",
    "Result",
    "Threshold",
    "Unit",
    "tally",
]

AGREE = "agree"
DISAGREE = "disagree"
ABSTAIN = "abstain"
CHOICES: frozenset[str] = frozenset({AGREE, DISAGREE, ABSTAIN})

MAJOR = "major"  # Art. 278 §1 items (六)–(八)
ORDINARY = "ordinary"  # every other matter in Art. 278 §1
MATTERS: frozenset[str] = frozenset({MAJOR, ORDINARY})

QUORUM = Fraction(2, 3)
MAJOR_SHARE = Fraction(3, 4)
ORDINARY_SHARE = Fraction(1, 2)

AREA_PARTICIPATING = "参与表决面积"
OWNERS_PARTICIPATING = "参与表决人数"
AREA_AGREEING = "同意面积"
OWNERS_AGREEING = "同意人数"

_MATTER_LABELS = {
    MAJOR: "第二百七十八条第一款第六项至第八项事项（须四分之三以上同意）",
    ORDINARY: "第二百七十八条第一款其他事项（须过半数同意）",
}


@dataclass(frozen=True)
class Unit:
    """One exclusive part (专有部分): a flat, shop or parking space with its own area."""

    unit_id: str
    owner_id: str
    area: Decimal


def _exact_sum(values: Iterable[Decimal]) -> Decimal:
    # The default context keeps 28 significant digits and would round a large
    # sum silently; the law forbids rounding before comparing.
    with decimal.localcontext() as ctx:
        ctx.prec = decimal.MAX_PREC
        ctx.traps[decimal.Inexact] = True
        return sum(values, Decimal(0))


def _percent(ratio: Fraction) -> str:
    # Half-up (四舍五入) to 0.01 %, the rounding people expect on a notice.
    hundredths = int((ratio * 10000 + Fraction(1, 2)) // 1)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _amount(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


@dataclass(frozen=True)
class Threshold:
    """One statutory test: numerator / denominator against a required share.

    Areas are Decimal (rendered as m²) and head counts int (rendered as 人).
    """

    name: str
    numerator: Decimal | int
    denominator: Decimal | int
    required: Fraction
    strict: bool
    met: bool

    @classmethod
    def check(
        cls, name: str, numerator: Decimal | int, denominator: Decimal | int, required: Fraction, *, strict: bool
    ) -> Threshold:
        """Build a threshold with `met` computed exactly."""
        ratio = _ratio(numerator, denominator)
        # With nobody taking part, nothing was agreed: an empty denominator never passes.
        met = denominator > 0 and (ratio > required if strict else ratio >= required)
        return cls(name, numerator, denominator, required, strict, met)

    @property
    def ratio(self) -> Fraction:
        """The exact share; 0 when the denominator is 0 (nobody took part)."""
        return _ratio(self.numerator, self.denominator)

    def describe(self) -> str:
        """E.g. "参与表决面积 8,123.40 / 11,500.00 m² = 70.64% ≥ 2/3 ✓"."""
        unit = "m²" if isinstance(self.denominator, Decimal) else "人"
        # 0/0 has no meaningful percentage; show a dash rather than a made-up 0 %.
        share = _percent(self.ratio) if self.denominator > 0 else "—"
        relation = ">" if self.strict else "≥"
        mark = "✓" if self.met else "✗"
        required = f"{self.required.numerator}/{self.required.denominator}"
        return (
            f"{self.name} {_amount(self.numerator)} / {_amount(self.denominator)} {unit}"
            f" = {share} {relation} {required} {mark}"
        )

    def __str__(self) -> str:
        return self.describe()


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> Fraction:
    if denominator == 0:
        return Fraction(0)
    return Fraction(numerator) / Fraction(denominator)


@dataclass(frozen=True)
class Result:
    """The outcome of a tally, with every statutory test and its exact fraction."""

    matter: str
    total_area: Decimal
    total_owners: int
    participating_area: Decimal
    participating_owners: int
    agree_area: Decimal
    agree_owners: int
    disagree_area: Decimal
    disagree_owners: int
    abstain_area: Decimal
    abstain_owners: int
    quorum_met: bool
    passed: bool
    # Order: 参与表决面积, 参与表决人数, 同意面积, 同意人数.
    thresholds: tuple[Threshold, ...]

    def describe(self) -> str:
        """A multi-line summary suitable for a 公示 notice."""
        lines = [f"表决事项：{_MATTER_LABELS[self.matter]}"]
        lines.extend(t.describe() for t in self.thresholds)
        if not self.quorum_met:
            lines.append("结果：参与表决的业主未达法定比例，未通过")
        else:
            lines.append(f"结果：{'通过' if self.passed else '未通过'}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def _validate_units(units: list[Unit]) -> None:
    if not units:
        raise ValueError("没有专有部分，无法计票")
    seen: set[str] = set()
    for unit in units:
        if not unit.unit_id:
            raise ValueError("专有部分编号不能为空")
        if unit.unit_id in seen:
            raise ValueError(f"专有部分编号重复：{unit.unit_id}")
        seen.add(unit.unit_id)
        if not unit.owner_id:
            raise ValueError(f"专有部分{unit.unit_id}缺少业主")
        if not isinstance(unit.area, Decimal):
            # A float area would already carry binary rounding error.
            raise TypeError(f"专有部分{unit.unit_id}的面积应为Decimal")
        if not unit.area.is_finite() or unit.area <= 0:
            raise ValueError(f"专有部分{unit.unit_id}的面积应大于0，当前为{unit.area}")


def tally(units: Iterable[Unit], ballots: Mapping[str, str], matter: str) -> Result:
    """Count the ballots of an owners' joint decision.

    `ballots` maps owner_id to "agree", "disagree" or "abstain"; owners without
    a ballot did not take part. An abstention takes part but does not agree.
    `matter` is "major" (Art. 278 §1 items 六–八) or "ordinary".
    """
    if matter not in MATTERS:
        raise ValueError(f"表决事项类别应为major或ordinary，当前为{matter!r}")
    unit_list = list(units)
    _validate_units(unit_list)

    # Art. 9: one person per owner_id however many units they hold; Art. 8:
    # their area is the sum over those units.
    area_by_owner: dict[str, list[Decimal]] = {}
    for unit in unit_list:
        area_by_owner.setdefault(unit.owner_id, []).append(unit.area)
    owner_area = {owner: _exact_sum(areas) for owner, areas in area_by_owner.items()}

    for owner_id, choice in ballots.items():
        if owner_id not in owner_area:
            raise ValueError(f"选票来自未登记为业主的人：{owner_id}")
        if choice not in CHOICES:
            raise ValueError(f"业主{owner_id}的表决意见无效：{choice!r}，应为agree、disagree或abstain")

    def voters(choice: str) -> list[str]:
        return [owner for owner, c in ballots.items() if c == choice]

    agree, disagree, abstain = voters(AGREE), voters(DISAGREE), voters(ABSTAIN)
    participants = agree + disagree + abstain

    def area_of(owners: list[str]) -> Decimal:
        return _exact_sum(owner_area[owner] for owner in owners)

    total_area = _exact_sum(owner_area.values())
    total_owners = len(owner_area)
    participating_area = area_of(participants)
    participating_owners = len(participants)
    agree_area = area_of(agree)
    agree_owners = len(agree)

    required, strict = (MAJOR_SHARE, False) if matter == MAJOR else (ORDINARY_SHARE, True)
    thresholds = (
        Threshold.check(AREA_PARTICIPATING, participating_area, total_area, QUORUM, strict=False),
        Threshold.check(OWNERS_PARTICIPATING, participating_owners, total_owners, QUORUM, strict=False),
        Threshold.check(AREA_AGREEING, agree_area, participating_area, required, strict=strict),
        Threshold.check(OWNERS_AGREEING, agree_owners, participating_owners, required, strict=strict),
    )
    quorum_met = thresholds[0].met and thresholds[1].met
    passed = quorum_met and thresholds[2].met and thresholds[3].met
    return Result(
        matter=matter,
        total_area=total_area,
        total_owners=total_owners,
        participating_area=participating_area,
        participating_owners=participating_owners,
        agree_area=agree_area,
        agree_owners=agree_owners,
        disagree_area=area_of(disagree),
        disagree_owners=len(disagree),
        abstain_area=area_of(abstain),
        abstain_owners=len(abstain),
        quorum_met=quorum_met,
        passed=passed,
        thresholds=thresholds,
    )
