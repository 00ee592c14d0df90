"""Quorum and decision of a meeting that votes by those present: 议事会, 村民会议, 村民代表会议, 居民会议.

- 《中华人民共和国村民委员会组织法》第二十二条: a villagers' meeting (村民会议) is held when more than half of
  the village's villagers aged eighteen or over, or the representatives of two thirds or more of its households,
  attend; its decisions need more than half of those attending.
- 同法第二十六条: a villagers' representatives meeting (村民代表会议) is held when two thirds or more of its
  members attend; its decisions need more than half of those attending to agree.
- 《中华人民共和国城市居民委员会组织法》第十条: a residents' meeting (居民会议) needs more than half of the adult
  residents, of the households' representatives or of the groups' elected representatives (the caller picks
  that base as `members`); its decisions need more than half of those attending.
- 中共中央办公厅、国务院办公厅《关于加强城乡社区协商的意见》(2015): the 议事会 is a form of community
  consultation; the guideline fixes no quorum, so each council sets its own. The default here is the common
  rule of procedure: more than half of the members present, more than half of those present agreeing.

Per 《民法典》第一千二百五十九条 "以上" includes the number itself and "过半数" does not: 2/3 tests are ">=",
majority tests are ">". Everything is compared as an exact Fraction; percentages are rounded only for display.
Members present who cast no vote count among "those present" and so weigh like a "no".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = [
    "AT_LEAST_TWO_THIRDS",
    "COUNCIL",
    "HALF",
    "KINDS",
    "MORE_THAN_HALF",
    "RESIDENTS",
    "TWO_THIRDS",
    "VILLAGERS",
    "VILLAGE_REPS",
    "Counts",
    "Result",
    "Share",
    "Threshold",
    "decide",
]

COUNCIL = "council"  # 议事会
VILLAGERS = "villagers"  # 村民会议
VILLAGE_REPS = "village_reps"  # 村民代表会议
RESIDENTS = "residents"  # 居民会议
KINDS: frozenset[str] = frozenset({COUNCIL, VILLAGERS, VILLAGE_REPS, RESIDENTS})

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)

PRESENT = "出席人数"
ADULTS_PRESENT = "到会村民（十八周岁以上）"
HOUSEHOLDS_REPRESENTED = "到会户代表"
AGREEING = "同意人数"

_KIND_LABELS = {
    COUNCIL: "议事会",
    VILLAGERS: "村民会议（村民委员会组织法第二十二条）",
    VILLAGE_REPS: "村民代表会议（村民委员会组织法第二十六条）",
    RESIDENTS: "居民会议（城市居民委员会组织法第十条）",
}


@dataclass(frozen=True)
class Share:
    """A required share: strictly more than `fraction` ("过半数") or at least it ("三分之二以上")."""

    fraction: Fraction
    strict: bool

    def __post_init__(self) -> None:
        if not isinstance(self.fraction, Fraction):
            # A float share would carry binary rounding error into a legal threshold.
            raise TypeError(f"比例应为Fraction，当前为{type(self.fraction).__name__}")
        if not isinstance(self.strict, bool):
            raise TypeError("strict应为bool")
        if not 0 < self.fraction <= 1:
            raise ValueError(f"比例应在0到1之间，当前为{self.fraction}")
        if self.strict and self.fraction == 1:
            raise ValueError("“超过全部”的比例永远无法达到")

    def admits(self, numerator: int, denominator: int) -> bool:
        """Exact comparison; an empty denominator never admits (nobody there, nothing decided)."""
        if denominator <= 0:
            return False
        ratio = Fraction(numerator, denominator)
        return ratio > self.fraction if self.strict else ratio >= self.fraction

    def symbol(self) -> str:
        """E.g. "> 1/2" or "≥ 2/3"."""
        return f"{'>' if self.strict else '≥'} {self.fraction.numerator}/{self.fraction.denominator}"

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.fraction.numerator, "denominator": self.fraction.denominator, "strict": self.strict}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Share:
        return cls(Fraction(int(data["numerator"]), int(data["denominator"])), bool(data["strict"]))


MORE_THAN_HALF = Share(HALF, strict=True)
AT_LEAST_TWO_THIRDS = Share(TWO_THIRDS, strict=False)


def _percent(ratio: Fraction) -> str:
    # Half-up (四舍五入) to 0.01 %, as on a notice; only ever used for display.
    hundredths = int((ratio * 10000 + Fraction(1, 2)) // 1)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


@dataclass(frozen=True)
class Threshold:
    """One test: numerator / denominator against a required share, e.g. 出席人数 13 / 19 人."""

    name: str
    numerator: int
    denominator: int
    share: Share
    unit: str
    met: bool

    @classmethod
    def check(cls, name: str, numerator: int, denominator: int, share: Share, unit: str = "人") -> Threshold:
        return cls(name, numerator, denominator, share, unit, share.admits(numerator, denominator))

    @property
    def ratio(self) -> Fraction:
        """The exact share; 0 when the denominator is 0."""
        return Fraction(self.numerator, self.denominator) if self.denominator > 0 else Fraction(0)

    def describe(self) -> str:
        """E.g. "出席人数 13 / 19 人 = 68.42% ≥ 2/3 ✓"."""
        # 0/0 has no meaningful percentage; a dash rather than a made-up 0 %.
        percent = _percent(self.ratio) if self.denominator > 0 else "—"
        mark = "✓" if self.met else "✗"
        figures = f"{self.numerator:,} / {self.denominator:,} {self.unit}"
        return f"{self.name} {figures} = {percent} {self.share.symbol()} {mark}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Counts:
    """Plain head counts of one meeting and its vote.

    `members` is the body's membership (council, representatives) or the eligible (adult villagers; for a
    residents' meeting the base the caller chose). `households`/`households_represented` are for a villagers'
    meeting only. Votes are among those present; present members who did not vote are neither for nor against.
    """

    members: int
    present: int
    agree: int
    disagree: int = 0
    abstain: int = 0
    households: int = 0
    households_represented: int = 0

    @property
    def voted(self) -> int:
        return self.agree + self.disagree + self.abstain

    @property
    def not_voting(self) -> int:
        return self.present - self.voted


@dataclass(frozen=True)
class Result:
    """The outcome, with every threshold: the quorum lines first, then the decision line."""

    kind: str
    counts: Counts
    quorum_met: bool
    passed: bool
    thresholds: tuple[Threshold, ...]
    quorum_thresholds: tuple[Threshold, ...] = field(repr=False)
    # The villagers' meeting is held on EITHER quorum line; the others need every quorum line.
    quorum_any: bool = False

    @property
    def decision(self) -> Threshold:
        return self.thresholds[-1]

    def outcome(self) -> str:
        if not self.quorum_met:
            return "会议未达法定人数，决定无效"
        return "通过" if self.passed else "未通过"

    def describe(self) -> str:
        """A multi-line summary for the minutes or a 公示 notice."""
        lines = [f"会议：{_KIND_LABELS[self.kind]}"]
        if self.quorum_any:
            lines.append("法定人数：以下两项满足其一即可")
        lines.extend(t.describe() for t in self.thresholds)
        c = self.counts
        lines.append(f"表决：同意 {c.agree}，反对 {c.disagree}，弃权 {c.abstain}，未表决 {c.not_voting}")
        lines.append(f"结果：{self.outcome()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def _validate(kind: str, counts: Counts) -> None:
    if kind not in KINDS:
        raise ValueError(f"会议类别应为{'、'.join(sorted(KINDS))}之一，当前为{kind!r}")
    for name in ("members", "present", "agree", "disagree", "abstain", "households", "households_represented"):
        value = getattr(counts, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}应为整数，当前为{value!r}")
        if value < 0:
            raise ValueError(f"{name}不能为负数，当前为{value}")
    if counts.present > counts.members:
        raise ValueError(f"出席人数 {counts.present} 超过应到人数 {counts.members}")
    if counts.voted > counts.present:
        raise ValueError(f"表决票数 {counts.voted} 超过出席人数 {counts.present}")
    if kind == VILLAGERS:
        if counts.households_represented > counts.households:
            raise ValueError(f"到会户数 {counts.households_represented} 超过总户数 {counts.households}")
        if counts.households_represented > counts.present:
            raise ValueError(f"到会户数 {counts.households_represented} 超过到会人数 {counts.present}")
    elif counts.households or counts.households_represented:
        raise ValueError("只有村民会议按户计算法定人数")


def decide(
    kind: str,
    counts: Counts,
    *,
    quorum: Share | None = None,
    majority: Share | None = None,
) -> Result:
    """Quorum and decision for a meeting of `kind` from plain counts.

    `quorum` and `majority` may be given for a council only (its own rules of procedure); the statutory bodies
    have their shares fixed by law, and passing one for them is a ValueError rather than a silent override.
    """
    _validate(kind, counts)
    if kind != COUNCIL and (quorum is not None or majority is not None):
        raise ValueError("只有议事会可以自定法定人数和表决比例")
    quorum = quorum or MORE_THAN_HALF
    majority = majority or MORE_THAN_HALF

    quorum_any = False
    if kind == VILLAGERS:
        quorum_lines: tuple[Threshold, ...] = (
            Threshold.check(ADULTS_PRESENT, counts.present, counts.members, MORE_THAN_HALF),
            Threshold.check(
                HOUSEHOLDS_REPRESENTED, counts.households_represented, counts.households, AT_LEAST_TWO_THIRDS, "户"
            ),
        )
        quorum_any = True
        quorum_met = any(t.met for t in quorum_lines)
    elif kind == VILLAGE_REPS:
        quorum_lines = (Threshold.check(PRESENT, counts.present, counts.members, AT_LEAST_TWO_THIRDS),)
        quorum_met = quorum_lines[0].met
    else:  # council (its own share) and residents' meeting (more than half)
        quorum_lines = (Threshold.check(PRESENT, counts.present, counts.members, quorum),)
        quorum_met = quorum_lines[0].met

    # 到会人员的过半数: the base is everyone present, not only those who voted.
    decision = Threshold.check(AGREEING, counts.agree, counts.present, majority if kind == COUNCIL else MORE_THAN_HALF)
    return Result(
        kind=kind,
        counts=counts,
        quorum_met=quorum_met,
        passed=quorum_met and decision.met,
        thresholds=(*quorum_lines, decision),
        quorum_thresholds=quorum_lines,
        quorum_any=quorum_any,
    )
