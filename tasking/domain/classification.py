"""Suggesting a level for a case from facts about it (docs/levels.md, "Classification").

Rules are tried from level 4 down; the first level with a matching rule wins, and every rule that
matched at that level is given as a reason, the deciding one first. A person then decides.
"""

from dataclasses import dataclass, field

from tasking.domain.risk import RISK_FLAGS


@dataclass(frozen=True)
class Thresholds:
    repeat_reports: int = 2  # reports of the same problem in the window that make a repeat
    case_review_reports: int = 3  # the ASB case-review threshold (Community Trigger)
    partnership_agencies: int = 2
    multi_agency_agencies: int = 3
    barrier_areas: int = 2  # areas whose cases record the same barrier before it is borough-wide
    stalled_reviews: int = 2  # review cycles a case misses before it is suggested one level up

    @classmethod
    def from_mapping(cls, values: dict | None) -> "Thresholds":
        known = {k: int(v) for k, v in (values or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Facts:
    category_default_level: int = 1
    agencies_needed: int = 1
    risk_flags: frozenset[str] = field(default_factory=frozenset)
    similar_recent: int = 0  # other cases of the same problem in the window (this one not counted)
    # Times this case was reopened in the window: each is the problem coming back, one more report
    # (docs/levels.md, "The same problem").
    recurrences: int = 0
    case_review_category: bool = False  # the category is one the ASB case review covers
    barrier_is_borough: bool = False  # a borough policy or system is the barrier
    barrier_area_count: int = 0  # areas whose cases record the same barrier, this one's included
    referred_back: bool = False  # a level-1 case referred back as more complicated
    missed_reviews: int = 0  # review cycles passed with no decision

    @property
    def reports(self) -> int:
        return self.similar_recent + self.recurrences + 1


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Suggestion:
    level: int
    reasons: tuple[Reason, ...]
    case_review_threshold_met: bool = False


def case_review_met(facts: Facts, t: Thresholds) -> bool:
    return facts.case_review_category and facts.reports >= t.case_review_reports


def _level_four(f: Facts, t: Thresholds):
    if f.barrier_is_borough:
        yield Reason("L4_BOROUGH_BARRIER", "The barrier is a borough policy or system.")
    if f.barrier_area_count >= t.barrier_areas:
        yield Reason("L4_BARRIER_IN_AREAS", f"The same barrier is recorded on cases in {f.barrier_area_count} areas.")
    if f.category_default_level >= 4:
        yield Reason("L4_CATEGORY_DEFAULT", "The category needs borough-level systems change.")


def _flags(f: Facts) -> list[str]:
    """The recorded risk flags the rules know, in the order they are named."""
    return sorted(f.risk_flags & set(RISK_FLAGS))


def _named(flags: list[str]) -> str:
    return ", ".join(flag.replace("_", " ") for flag in flags)


def _level_three(f: Facts, t: Thresholds):
    if f.agencies_needed >= t.multi_agency_agencies:
        yield Reason("L3_AGENCIES", f"{f.agencies_needed} agencies are needed.")
    flags = _flags(f)
    if flags and f.reports >= t.repeat_reports:
        yield Reason(
            "L3_RISK_AND_REPEAT",
            f"A repeat problem ({f.reports} reports in six months) with a high risk flag: {_named(flags)}.",
        )
    if case_review_met(f, t):
        yield Reason(
            "L3_CASE_REVIEW",
            f"{f.reports} reports of the same problem in six months meet the ASB case-review "
            f"threshold of {t.case_review_reports}.",
        )
    if f.category_default_level == 3:
        yield Reason("L3_CATEGORY_DEFAULT", "The category usually needs a multi-agency intervention.")


def _level_two(f: Facts, t: Thresholds):
    if f.agencies_needed >= t.partnership_agencies:
        yield Reason("L2_AGENCIES", f"{f.agencies_needed} agencies are needed.")
    if f.reports >= t.repeat_reports:
        yield Reason("L2_REPEAT", f"A repeat problem: {f.reports} reports in six months.")
    if f.referred_back:
        yield Reason("L2_REFERRED_BACK", "A level-one case was referred back as more complicated than it looked.")
    if f.missed_reviews >= t.stalled_reviews:
        yield Reason(
            "L2_STALLED", f"{f.missed_reviews} review cycles passed with no decision: the simple action has not worked."
        )
    if f.category_default_level == 2:
        yield Reason("L2_CATEGORY_DEFAULT", "The category usually needs partnership problem solving.")


_RULES = ((4, _level_four), (3, _level_three), (2, _level_two))
# The reasons that name every recorded risk flag; when none of them is given, RISK_RECORDED is.
NAMES_EVERY_FLAG = frozenset({"L3_RISK_AND_REPEAT"})


def _rules(f: Facts, t: Thresholds) -> tuple[int, tuple[Reason, ...]]:
    for level, rules in _RULES:
        reasons = tuple(rules(f, t))
        if reasons:
            return level, reasons
    # Never "no high risk" when a risk flag is recorded (docs/levels.md, rule `RISK_RECORDED`).
    simple = "One agency and no repeat" if _flags(f) else "One agency, no repeat and no high risk"
    return 1, (Reason("L1_SIMPLE_ACTION", f"{simple}: a simple action now."),)


def suggest(facts: Facts, thresholds: Thresholds = Thresholds()) -> Suggestion:
    """The suggested level and why. Every recorded risk flag is named: when no reason at the chosen
    level names them all, RISK_RECORDED does, after the rules' reasons."""
    level, reasons = _rules(facts, thresholds)
    flags = _flags(facts)
    if flags and not any(reason.code in NAMES_EVERY_FLAG for reason in reasons):
        reasons += (Reason("RISK_RECORDED", f"High risk recorded: {_named(flags)}."),)
    return Suggestion(level, reasons, case_review_met(facts, thresholds))


def reason_needed(current: int | None, chosen: int, suggested: int) -> str | None:
    """Why deciding `chosen` needs a reason, or None when it needs none (docs/levels.md, "A person
    decides"). Moving a case that has a level, up or down, always needs one: going down is as much a
    decision as going up, whatever the suggestion says. A first decision or a confirmation needs one
    only when it differs from the suggestion."""
    if current is not None and chosen != current:
        direction = "up" if chosen > current else "down"
        return f"Moving the case {direction} from level {current} to level {chosen} needs a reason."
    if chosen != suggested:
        return f"Level {chosen} differs from the suggested level {suggested}; say why."
    return None
