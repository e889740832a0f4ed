"""The exception report as CSV (docs/deadlines.md): the same report the JSON and the page show."""

import csv
import io
from collections.abc import Iterable, Iterator

from tasking.domain.deadlines import TASK_ACCEPT
from tasking.domain.exception_report import ExceptionReport, Summary

# CSV: one row per exception, then the summaries, the distributions and the declines, each row
# saying its section in the first column (as the value report's CSV does).
CSV_COLUMNS = (
    "section",
    "case_reference",
    "task_id",
    "kind",
    "standing",
    "area_code",
    "organisation_code",
    "organisation_name",
    "level",
    "target_working_days",
    "started_at",
    "due_at",
    "breached_at",
    "paused",
    "working_days_over",
    "working_days_left",
    "key",
    "name",
    "running_past",
    "running_near",
    "met",
    "missed",
    "count",
    "median_working_seconds",
    "p90_working_seconds",
    "max_working_seconds",
    "within_target",
    "reason",
)


def _text(value: str | None) -> str:
    """Typed text as a cell no spreadsheet takes for a formula (OWASP's CSV injection advice)."""
    if value is None:
        return ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _cells(**values) -> list:
    return ["" if values.get(column) is None else values[column] for column in CSV_COLUMNS]


def csv_rows(report: ExceptionReport) -> Iterator[list]:
    yield list(CSV_COLUMNS)
    for row in report.exceptions:
        yield _cells(
            section="exception",
            case_reference=_text(row.case_reference),
            task_id=row.task_id,
            kind=row.kind,
            standing=row.standing,
            area_code=_text(row.area_code),
            organisation_code=_text(row.organisation_code),
            organisation_name=_text(row.organisation_name),
            level=row.level,
            target_working_days=row.target_working_days,
            started_at=row.started_at.isoformat(),
            due_at=row.due_at.isoformat(),
            breached_at=row.breached_at.isoformat() if row.breached_at else None,
            paused="yes" if row.paused else "no",
            working_days_over=row.working_days_over,
            working_days_left=row.working_days_left,
        )
    sections: Iterable[tuple[str, list[Summary]]] = (
        ("total", [report.total]),
        ("area", report.areas),
        ("organisation", report.organisations),
        ("level", report.levels),
    )
    for section, lines in sections:
        for line in lines:
            yield _cells(
                section=section,
                key=_text(line.key),
                name=_text(line.name),
                running_past=line.running_past,
                running_near=line.running_near,
                met=line.met,
                missed=line.missed,
            )
    for distribution in report.distributions:
        yield _cells(
            section=f"time_to_{'accept' if distribution.kind == TASK_ACCEPT else 'complete'}",
            kind=distribution.kind,
            organisation_code=_text(distribution.organisation_code or "all"),
            organisation_name=_text(distribution.organisation_name or "All organisations"),
            count=distribution.count,
            median_working_seconds=distribution.median_working_seconds,
            p90_working_seconds=distribution.p90_working_seconds,
            max_working_seconds=distribution.max_working_seconds,
            within_target=distribution.within_target,
        )
    for decline in report.declines:
        yield _cells(
            section="decline",
            organisation_code=_text(decline.organisation_code),
            organisation_name=_text(decline.organisation_name),
            count=decline.count,
            reason=_text(decline.reason),
        )


def csv_text(report: ExceptionReport) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report))
    return out.getvalue()
