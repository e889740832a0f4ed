"""Case rows (services/case_rows.py) shaped exactly as CaseSchema dumps a Case (same keys, types,
datetime format and nulls); tests/api/test_lean_cases_and_exceptions.py holds the two to the same
output."""

from collections.abc import Iterable

from tasking.domain.risk import RISK_FLAGS


def _code_name(code, name):
    return None if code is None else {"code": code, "name": name}


def _reasons(reasons):
    if reasons is None:
        return None
    # Nested(ReasonSchema) dumps the declared keys a reason has, and only those.
    return [{key: reason[key] for key in ("code", "message") if key in reason} for reason in reasons]


def _owner(row) -> dict:
    """api.schemas.owner_of, for a row."""
    if row["owner_organisation_id"] is not None or row["owner_user_id"] is not None:
        by_person = row["owner_user_id"] is not None and row["owner_organisation_id"] is None
        return {
            "kind": "user" if by_person else "organisation",
            "organisation": _code_name(row["owner_organisation_code"], row["owner_organisation_name"]),
            "user_id": row["owner_user_id"],
            "coordinator_user_id": row["coordinator_user_id"],
            "area": None,
            "reason": None,
        }
    return {
        "kind": "triage_queue",
        "organisation": None,
        "user_id": None,
        "coordinator_user_id": None,
        "area": {"code": row["area_code"], "name": row["area_name"]},
        "reason": row["routing_reason"],
    }


def _float(value):
    return None if value is None else float(value)


def _bool(value):
    return None if value is None else bool(value)


def case_item(row, *, reads_levels: bool) -> dict:
    """`reads_levels`: the caller's role may do level.read (the ForRoles fields are null otherwise)."""
    return {
        "id": row["id"],
        "reference": row["reference"],
        "title": row["title"],
        "description": row["description"],
        "category": {"code": row["category_code"], "name": row["category_name"]},
        "ward": {"code": row["ward_code"], "name": row["ward_name"]},
        "area": {"code": row["area_code"], "name": row["area_name"]},
        "address": row["address"],
        "postcode": row["postcode"],
        "latitude": _float(row["latitude"]),
        "longitude": _float(row["longitude"]),
        "source": row["source"],
        "raised_by_id": row["raised_by_id"],
        "level": row["level"],
        "state": row["state"],
        "suggested_level": row["suggested_level"] if reads_levels else None,
        "suggestion_reasons": _reasons(row["suggestion_reasons"]) if reads_levels else None,
        "owner": _owner(row),
        "lead_organisation": _code_name(row["lead_organisation_code"], row["lead_organisation_name"]),
        "confidential": _bool(row["confidential"]),
        "risk_flags": [flag for flag in RISK_FLAGS if row[f"risk_{flag}"]],
        "agencies_needed": row["agencies_needed"],
        "barrier_id": row["barrier_id"],
        "referred_back": _bool(row["referred_back"]),
        "case_review_flag": _bool(row["case_review_flag"]) if reads_levels else None,
        "duplicate_of_id": row["duplicate_of_id"],
        "ready_to_resolve": _bool(row["ready_to_resolve"]),
        "next_review_at": row["next_review_at"],
        "overdue": bool(row["overdue"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "closed_at": row["closed_at"],
        "version": row["version"],
    }


def case_items(rows: Iterable, *, reads_levels: bool) -> list[dict]:
    return [case_item(row, reads_levels=reads_levels) for row in rows]
