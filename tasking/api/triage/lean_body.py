"""Triage rows shaped exactly as TriageItemSchema dumps the entity path's items (same keys, types,
datetime format and nulls); tests/api/test_lean_lists.py holds the two to the same output."""

from tasking.domain.risk import RISK_FLAGS
from tasking.services.triage_rows import TriageRows


def waiting_reason(row) -> str:
    """triage.waiting_reason, for a row."""
    if row["routing_reason"]:
        return "unroutable"
    if row["referred_back"]:
        return "referred"
    return "returned" if row["state"] == "returned" else "new"


def _reasons(reasons):
    if reasons is None:
        return None
    # Nested(ReasonSchema) dumps the declared keys a reason has, and only those.
    return [{key: reason[key] for key in ("code", "message") if key in reason} for reason in reasons]


def _summary(row) -> dict:
    return {
        "id": row["id"],
        "reference": row["reference"],
        "title": row["title"],
        "state": row["state"],
        "level": row["level"],
        "created_at": row["created_at"],
    }


def triage_item(row, similar: list) -> dict:
    return {
        "id": row["id"],
        "reference": row["reference"],
        "title": row["title"],
        "category": {"code": row["category_code"], "name": row["category_name"]},
        "ward": {"code": row["ward_code"], "name": row["ward_name"]},
        "area": {"code": row["area_code"], "name": row["area_name"]},
        "source": row["source"],
        "state": row["state"],
        "level": row["level"],
        "waiting_reason": waiting_reason(row),
        "routing_reason": row["routing_reason"],
        "triage_reason": row["triage_reason"],
        "risk_flags": [flag for flag in RISK_FLAGS if row[f"risk_{flag}"]],
        "case_review_flag": bool(row["case_review_flag"]),
        "suggested_level": row["suggested_level"],
        "suggestion_reasons": _reasons(row["suggestion_reasons"]),
        "similar": [_summary(other) for other in similar],
        "created_at": row["created_at"],
    }


def triage_page(page: TriageRows) -> dict:
    return {
        "items": [triage_item(row, page.similar.get(row["id"], [])) for row in page.rows],
        "next_cursor": page.next_cursor,
    }
