"""Task rows shaped exactly as TaskSchema dumps a TaskView (same keys, types, datetime format and
nulls), for the lean reads; tests/api/test_lean_lists.py holds the two to the same output."""

from tasking.services.task_rows import TaskRows


def _note(note) -> dict:
    return {
        "id": note["id"],
        "body": note["body"],
        "visibility": note["visibility"],
        "created_at": note["created_at"],
    }


def task_item(row, redacted: bool, notes: list) -> dict:
    return {
        "id": row["id"],
        "organisation": {"code": row["organisation_code"], "name": row["organisation_name"]},
        "role": row["role"],
        "state": row["state"],
        "due_at": row["due_at"],
        "decline_reason": row["decline_reason"],
        "outcome": row["outcome"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "version": row["version"],
        "case": {
            "reference": row["reference"],
            "title": row["title"],
            "description": None if redacted else row["description"],
            "category": {"code": row["category_code"], "name": row["category_name"]},
            "ward": {"code": row["ward_code"], "name": row["ward_name"]},
            "area": {"code": row["area_code"], "name": row["area_name"]},
            "address": None if redacted else row["address"],
            "level": row["case_level"],
            "state": row["case_state"],
            "confidential": bool(row["confidential"]),
            "notes": [] if redacted else [_note(n) for n in notes],
        },
    }


def task_items(page: TaskRows, notes: dict[int, list]) -> list[dict]:
    return [task_item(row, row["id"] in page.redacted, notes.get(row["case_id"], [])) for row in page.rows]
