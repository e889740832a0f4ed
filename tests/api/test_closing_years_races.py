"""Issue 20 review: closing a financial year raced two ways. Two admins closing at once got a 500 (a
unique violation) for the second; and a spend dated last year could commit beside the closing,
landing in a year already closed. Both now take the year's lock (budget._lock_year): the second
admin is told the year is closed (409), and a spend either goes before the closing or is refused."""

import threading
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from tasking.models import AuditEvent, FinancialYearClosure, Spend
from tasking.services import budget
from tests.api.test_spend_dates import raise_case, spend
from tests.clock import freeze_clock
from tests.conftest import Caller


def _racing(monkeypatch):
    """Each request, once it has read whether the year is open, waits (up to 2 s) for the other to
    have read it too: without the year's lock both read "open" and go on together. With it, the
    second cannot read until the first has finished, the wait times out, and they go one by one."""
    barrier = threading.Barrier(2)
    read = budget._year_open

    def year_open(session, year):
        found = read(session, year)
        try:
            barrier.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(budget, "_year_open", year_open)


def _together(app, calls):
    """Send each (caller, request) at once from threads of their own; their responses by name."""
    results = {}

    def go(name, who, send):
        results[name] = send(Caller(app.test_client(), who.user, who.token))

    threads = [threading.Thread(target=go, args=(name, who, send)) for name, (who, send) in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_admins_closing_at_once_one_closes_and_the_other_is_told(app, caller, session, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc))
    first, second = caller("admin"), caller("admin")
    _racing(monkeypatch)
    close = lambda api: api.post("/api/v1/budgets/years/2025/close")  # noqa: E731
    results = _together(app, {"first": (first, close), "second": (second, close)})

    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [200, 409], {k: (r.status_code, r.get_json()) for k, r in results.items()}
    refused = next(r for r in results.values() if r.status_code == 409)
    assert refused.get_json()["error"]["code"] == "year_closed"
    session.rollback()
    closings = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "financial_year.closed")
    assert session.scalar(closings) == 1


def test_a_spend_racing_the_closing_of_its_year_goes_first_or_is_refused(app, caller, session, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 4, 2, 9, 30, tzinfo=timezone.utc))
    admin, manager = caller("admin"), caller("area_manager", areas=["SW"])
    case = raise_case(manager, session, datetime(2026, 1, 1, tzinfo=timezone.utc))
    _racing(monkeypatch)
    results = _together(
        app,
        {
            "close": (admin, lambda api: api.post("/api/v1/budgets/years/2025/close")),
            "spend": (manager, lambda api: spend(api, case, date(2026, 3, 30), pence=100)),
        },
    )

    assert results["close"].status_code == 200
    session.rollback()
    closed = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "financial_year.closed"))
    if results["spend"].status_code == 201:
        # It went first: recorded before the closing, never after it.
        recorded = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "spend.recorded"))
        assert recorded < closed
    else:
        assert results["spend"].status_code == 422
        assert session.scalars(select(Spend)).all() == []
    assert session.get(FinancialYearClosure, 2025) is not None


def test_only_last_year_can_be_closed(caller, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc))
    admin = caller("admin")
    for year in (0, 1999, 2024):
        refused = admin.post(f"/api/v1/budgets/years/{year}/close")
        assert refused.status_code == 409, year
        assert refused.get_json()["error"]["code"] == "year_closed"
    assert admin.post("/api/v1/budgets/years/2025/close").status_code == 200
