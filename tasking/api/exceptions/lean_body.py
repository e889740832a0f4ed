"""The exception report shaped exactly as ExceptionReportSchema dumps it (same keys, types, datetime
and date formats, nulls), for orjson; tests/api/test_lean_cases_and_exceptions.py holds the two to
the same output. Its entity tag is a digest of the report's figures (`fingerprint`)."""

import dataclasses

from tasking.domain.exception_report import Distribution, ExceptionReport, ExceptionRow, Summary


def _code_name(code, name):
    return None if code is None else {"code": code, "name": name}


def _row(row: ExceptionRow) -> dict:
    return {
        "case_reference": row.case_reference,
        "case_id": row.case_id,
        "task_id": row.task_id,
        "kind": row.kind,
        "kind_words": row.kind_words,
        "organisation": _code_name(row.organisation_code, row.organisation_name),
        "area": {"code": row.area_code, "name": row.area_name},
        "level": row.level,
        "target_working_days": row.target_working_days,
        "started_at": row.started_at,
        "due_at": row.due_at,
        "breached_at": row.breached_at,
        "paused": bool(row.paused),
        "standing": row.standing,
        "working_days_over": row.working_days_over,
        "working_days_left": row.working_days_left,
    }


def _summary(line: Summary) -> dict:
    return {
        "key": line.key,
        "name": line.name,
        "running_past": line.running_past,
        "running_near": line.running_near,
        "met": line.met,
        "missed": line.missed,
    }


def _distribution(d: Distribution) -> dict:
    return {
        "kind": d.kind,
        "organisation": _code_name(d.organisation_code, d.organisation_name),
        "count": d.count,
        "median_working_seconds": d.median_working_seconds,
        "p90_working_seconds": d.p90_working_seconds,
        "max_working_seconds": d.max_working_seconds,
        "median_working_hours": d.median_working_hours,
        "p90_working_hours": d.p90_working_hours,
        "max_working_hours": d.max_working_hours,
        "within_target": d.within_target,
        "within_target_percent": d.within_target_percent,
    }


def report_body(report: ExceptionReport) -> dict:
    return {
        "start": report.start,
        "end": report.end,
        "generated_at": report.generated_at,
        "area": report.area,
        "organisation": report.organisation,
        "level": report.level,
        "exceptions": [_row(row) for row in report.exceptions],
        "total": _summary(report.total),
        "areas": [_summary(line) for line in report.areas],
        "organisations": [_summary(line) for line in report.organisations],
        "levels": [_summary(line) for line in report.levels],
        "distributions": [_distribution(d) for d in report.distributions],
        "declines": [
            {
                "organisation": {"code": row.organisation_code, "name": row.organisation_name},
                "reason": row.reason,
                "count": row.count,
            }
            for row in report.declines
        ],
        "definitions": dict(report.definitions),
    }


def fingerprint(report: ExceptionReport) -> list:
    """Every figure of the report but the moment it was made: a pull whose figures are all as they
    were is answered 304 (the copy held says what the report says now, as at its own time). The
    derived figures (hours, percentiles) follow from the fields, so the fields are enough."""
    return [
        [getattr(report, f.name) for f in dataclasses.fields(report) if f.name not in ("generated_at", "definitions")]
    ]
