"""Rows written in bulk into the case tables, in the session's transaction: COPY on PostgreSQL,
executemany on SQLite. The data generator's writer; the columns it fills, per table."""

from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from tasking.models import (
    AuditEvent,
    Case,
    CaseNote,
    ClaimOutcome,
    CostAvoidedClaim,
    Review,
    Spend,
    Task,
)

COLUMNS: dict[Any, tuple[str, ...]] = {
    Case: (
        "id",
        "reference",
        "title",
        "description",
        "category_id",
        "ward_id",
        "area_id",
        "address",
        "postcode",
        "latitude",
        "longitude",
        "source",
        "raised_by_id",
        "level",
        "state",
        "owner_organisation_id",
        "owner_user_id",
        "coordinator_user_id",
        "routing_reason",
        "confidential",
        "risk_vulnerable_person",
        "risk_safeguarding",
        "risk_hate_incident",
        "risk_repeat_victim",
        "risk_score",
        "agencies_needed",
        "referred_back",
        "case_review_flag",
        "suggested_level",
        "suggestion_reasons",
        "ready_to_resolve",
        "reporter_consent",
        "subject_ref",
        "created_at",
        "updated_at",
        "closed_at",
        "next_review_at",
        "review_sequence",
        "overdue",
        "missed_reviews",
        "version",
    ),
    Task: ("id", "case_id", "organisation_id", "role", "state", "due_at", "created_at", "updated_at", "version"),
    CaseNote: ("id", "case_id", "author_id", "body", "visibility", "created_at"),
    AuditEvent: (
        "id",
        "at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "case_id",
        "audience",
        "before",
        "after",
    ),
    Review: (
        "id",
        "case_id",
        "sequence",
        "due_at",
        "created_at",
        "overdue",
        "state",
        "outcome",
        "decided_by_id",
        "decided_at",
    ),
    Spend: (
        "id",
        "area_id",
        "year",
        "case_id",
        "kind",
        "amount_pence",
        "description",
        "supplier",
        "spent_on",
        "created_by_id",
        "created_at",
    ),
    CostAvoidedClaim: (
        "id",
        "case_id",
        "state",
        "gross_pence",
        "adjusted_pence",
        "low_pence",
        "high_pence",
        "quick_win_pence",
        "other_costs_pence",
        "net_pence",
        "created_by_id",
        "created_at",
        "updated_at",
        "decided_by_id",
        "decided_at",
        "version",
    ),
    ClaimOutcome: (
        "id",
        "claim_id",
        "description",
        "unit_cost_pence",
        "quantity",
        "probability",
        "expected_pence",
        "adjusted_pence",
        "low_pence",
        "high_pence",
    ),
}
JSON_COLUMNS = ("before", "after", "suggestion_reasons")


def write(session: Session, rows: dict[Any, list[tuple]]) -> None:
    """Rows to tables in the session's transaction: COPY on PostgreSQL, executemany on SQLite."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for model, batch in rows.items():
            if batch:
                columns = COLUMNS[model]
                session.execute(model.__table__.insert(), [dict(zip(columns, row, strict=True)) for row in batch])
        return
    psycopg_connection = connection.connection.driver_connection
    assert psycopg_connection is not None  # the session's connection is checked out
    with psycopg_connection.cursor() as cursor:
        for model, batch in rows.items():
            if not batch:
                continue
            columns = COLUMNS[model]
            json_at = {i for i, c in enumerate(columns) if c in JSON_COLUMNS}
            with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row([_copyable(v, i in json_at) for i, v in enumerate(row)])


def _copyable(value: Any, json: bool) -> Any:
    """A value as COPY takes it: JSON documents wrapped, exact shares as their text ("1/6")."""
    if json and value is not None:
        from psycopg.types.json import Jsonb  # only on PostgreSQL: SQLite runs have no psycopg to import

        return Jsonb(value)
    return str(value) if isinstance(value, Fraction) else value
