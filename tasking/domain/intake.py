"""Where a newly raised case goes first (docs/routing.md, "Councillors' requests").

A councillor's request whose suggestion is a simple action goes straight to the service that does
the work (evaluation rec. 3.6); one the rules suggest is more than that, or that meets the ASB
case-review threshold, waits for the area manager with the reason. Councillors never bypass the
thresholds. Every other case (from staff, partners, residents) waits in triage to be decided.
"""

from collections.abc import Sequence


def held_for_area_manager(suggested_level: int, case_review_met: bool, reasons: Sequence[str]) -> str | None:
    """Why a councillor's request must wait for the area manager, or None when it may go straight
    to the front-line service."""
    if case_review_met:
        why = "It meets the ASB case-review threshold"
    elif suggested_level > 1:
        why = f"The rules suggest level {suggested_level}, more than a simple action"
    else:
        return None
    detail = " ".join(reasons)
    return f"{why}, so the area manager decides what happens next. {detail}".strip()
