"""Did the saving happen? Follow-up checks of verified claims (docs/money.md, "Follow-up checks"):
made by the sweep 6 and 12 months after verification, once each however often and however many
sweeps run; finance answers them through the API, audited; the value report shows confirmed
savings apart from those only verified."""

import threading
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tasking.domain.follow_ups import due_on
from tasking.domain.policy import Policy
from tasking.models import AuditEvent, ClaimFollowUp, CostAvoidedClaim, Notification
from tasking.services import follow_ups
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def finance(caller):
    return caller("finance")


def verified_claim(manager, finance, *, pence=200_000, ward="pleck", confidential=False):
    """A case with one claim, verified by finance through the API; the claim as the API returns it."""
    case = manager.post(
        "/api/v1/cases",
        json={
            "title": "Repeat fly-tipping behind the shops",
            "description": "Reported by the shopkeeper at number 12.",
            "category": "fly-tipping",
            "ward": ward,
            "confidential": confidential,
        },
    )
    assert case.status_code == 201, case.json
    claim = manager.post(
        f"/api/v1/cases/{case.json['id']}/cost-avoided",
        json={"outcomes": [{"description": "Clearance avoided", "unit_cost_pence": pence, "probability": "1"}]},
    )
    assert claim.status_code == 201, claim.json
    decided = finance.post(f"/api/v1/claims/{claim.json['id']}/decision", json={"decision": "verified"})
    assert decided.status_code == 200, decided.json
    return case.json, decided.json


def verified_on(session, claim_id, day: date) -> None:
    """Move a claim's verification to a chosen day (the API stamps the real time)."""
    at = datetime.combine(day, time(10, 30), tzinfo=timezone.utc)
    session.execute(update(CostAvoidedClaim).where(CostAvoidedClaim.id == claim_id).values(decided_at=at))
    session.commit()


def sweep_at(session, day: date, *, size=500):
    moment = datetime.combine(day, time(6, 0), tzinfo=timezone.utc)
    return follow_ups.create_due(
        session, units=lambda: unit_of_work(session), now=moment, policy=Policy(sweep_batch_size=size)
    )


def checks(session):
    session.expire_all()
    return sorted(
        (row.claim_id, row.months, row.due_on, row.state)
        for row in session.scalars(select(ClaimFollowUp).order_by(ClaimFollowUp.id))
    )


def count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_repeated_sweeps_make_each_check_once_on_the_day_it_falls_due(session, manager, finance, caller):
    second_finance = caller("finance")
    _case, claim = verified_claim(manager, finance)
    verified = date(2026, 8, 31)
    verified_on(session, claim["id"], verified)

    # Not before six months: 31 August + 6 months is the last day of February.
    assert due_on(verified, 6) == date(2027, 2, 28)
    assert sweep_at(session, date(2027, 2, 27)).created == 0
    assert checks(session) == []

    for _ in range(3):
        sweep_at(session, date(2027, 2, 28))
    assert checks(session) == [(claim["id"], 6, date(2027, 2, 28), "pending")]
    # Every finance officer is told once; the audit records the check once, for council staff only.
    assert count(session, Notification, Notification.kind == "follow_up_due") == 2
    told = session.scalars(select(Notification.recipient).where(Notification.kind == "follow_up_due")).all()
    assert sorted(told) == sorted([finance.user.email, second_finance.user.email])
    created = session.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up.created")).all()
    assert len(created) == 1 and created[0].audience == "internal" and created[0].actor_id is None
    body = session.scalar(select(Notification.body).where(Notification.kind == "follow_up_due"))
    assert "shopkeeper" not in body and "Repeat fly-tipping" not in body  # no description or title by email

    # Twelve months on, the second check, once; the first is not made again.
    for _ in range(2):
        sweep_at(session, date(2027, 8, 31))
    assert checks(session) == [
        (claim["id"], 6, date(2027, 2, 28), "pending"),
        (claim["id"], 12, date(2027, 8, 31), "pending"),
    ]
    assert count(session, Notification, Notification.kind == "follow_up_due") == 4
    assert count(session, AuditEvent, AuditEvent.action == "follow_up.created") == 2


def test_after_downtime_both_checks_are_made_at_once_and_never_again(session, manager, finance):
    claims = [verified_claim(manager, finance)[1] for _ in range(5)]
    for claim in claims:
        verified_on(session, claim["id"], date(2025, 1, 15))
    run = sweep_at(session, date(2026, 6, 1), size=2)  # batches of two: three batches per month count
    assert run.created == 10 and run.batches == 6
    assert sweep_at(session, date(2026, 6, 2)).created == 0
    assert len(checks(session)) == 10


def test_estimated_and_unsupported_claims_get_no_checks(session, manager, finance):
    case = manager.post(
        "/api/v1/cases", json={"title": "Graffiti", "description": "d", "category": "graffiti", "ward": "pleck"}
    ).json
    for what in ("Repaint avoided", "Shutter replacement avoided"):
        outcome = {"outcomes": [{"description": what, "unit_cost_pence": 10_000, "probability": "1"}]}
        refused = manager.post(f"/api/v1/cases/{case['id']}/cost-avoided", json=outcome).json
    finance.post(f"/api/v1/claims/{refused['id']}/decision", json={"decision": "not_supported", "reason": "No proof"})
    assert sweep_at(session, date.today() + timedelta(days=800)).created == 0


def test_concurrent_sweeps_make_each_check_exactly_once(session, manager, finance):
    claims = [verified_claim(manager, finance)[1] for _ in range(12)]
    for claim in claims:
        verified_on(session, claim["id"], date(2025, 3, 1))
    errors, made = [], []

    def run():
        with Session(session.get_bind()) as own:
            try:
                moment = datetime(2026, 4, 1, 6, tzinfo=timezone.utc)
                made.append(
                    follow_ups.create_due(
                        own, units=lambda: unit_of_work(own), now=moment, policy=Policy(sweep_batch_size=3)
                    ).created
                )
            except Exception as error:  # collected and asserted on below
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(checks(session)) == 24 and sum(made) == 24
    assert count(session, AuditEvent, AuditEvent.action == "follow_up.created") == 24
    assert count(session, Notification, Notification.kind == "follow_up_due") == 24  # one finance officer


def test_the_sweep_command_makes_the_checks(app, session, manager, finance):
    _case, claim = verified_claim(manager, finance)
    verified_on(session, claim["id"], datetime.now(timezone.utc).date() - timedelta(days=400))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tasking", "sweep"])
    assert first.exit_code == 0, first.output
    assert "2 follow-up checks created" in first.output
    again = runner.invoke(args=["tasking", "sweep"])
    assert "0 follow-up checks created" in again.output
    assert [months for _claim, months, _due, _state in checks(session)] == [6, 12]


def test_the_scheduler_job_runs_the_follow_up_step(app, session, manager, finance):
    from tasking import scheduler

    _case, claim = verified_claim(manager, finance)
    verified_on(session, claim["id"], datetime.now(timezone.utc).date() - timedelta(days=200))
    result = scheduler.run_sweep(app)
    assert result is not None and result.follow_ups == 1
    assert scheduler.run_sweep(app).follow_ups == 0


def test_finance_lists_and_answers_checks_and_the_answer_is_final(session, manager, finance, caller):
    case, claim = verified_claim(manager, finance)
    verified_on(session, claim["id"], date(2025, 1, 10))
    sweep_at(session, date(2026, 2, 1))
    listed = finance.get("/api/v1/follow-ups").json
    assert [(item["months"], item["due_on"], item["state"]) for item in listed["items"]] == [
        (6, "2025-07-10", "pending"),
        (12, "2026-01-10", "pending"),
    ]
    six, twelve = listed["items"]
    assert six["case"] == {
        "reference": case["reference"],
        "area": {"code": "SW", "name": "South Walsall"},
        "level": case["level"],
        "category": "fly-tipping",
    }
    assert six["claim"]["net_pence"] == claim["net_pence"] and six["claim"]["state"] == "verified"
    assert "shopkeeper" not in str(listed) and "Repeat fly-tipping" not in str(listed)
    due_soon = finance.get("/api/v1/follow-ups?due_before=2025-12-31").json["items"]
    assert [item["id"] for item in due_soon] == [six["id"]]
    # A page at a time, by due day: the cursor carries the day.
    first_page = finance.get("/api/v1/follow-ups?page_size=1").json
    second_page = finance.get(f"/api/v1/follow-ups?page_size=1&cursor={first_page['next_cursor']}").json
    assert [p["items"][0]["id"] for p in (first_page, second_page)] == [six["id"], twelve["id"]]
    assert second_page["next_cursor"] is None
    assert finance.get("/api/v1/follow-ups?cursor=bm9wZQ").status_code == 422

    # Not confirmed needs the reason, and spaces are no reason.
    missing = finance.post(f"/api/v1/follow-ups/{six['id']}/outcome", json={"outcome": "not_confirmed"})
    assert missing.status_code == 422 and "notes" in missing.json["error"]["fields"]
    blank = finance.post(f"/api/v1/follow-ups/{six['id']}/outcome", json={"outcome": "not_confirmed", "notes": "   "})
    assert blank.status_code == 422
    answered = finance.post(
        f"/api/v1/follow-ups/{six['id']}/outcome",
        json={"outcome": "not_confirmed", "notes": "  The family moved away; no record either way.  "},
    )
    assert answered.status_code == 200, answered.json
    assert answered.json["state"] == "not_confirmed"
    assert answered.json["notes"] == "The family moved away; no record either way."
    assert answered.json["decided_by_id"] == finance.user.id and answered.json["decided_at"]
    again = finance.post(f"/api/v1/follow-ups/{six['id']}/outcome", json={"outcome": "confirmed"})
    assert again.status_code == 409 and again.json["error"]["code"] == "follow_up_decided"
    assert finance.post(f"/api/v1/follow-ups/{twelve['id']}/outcome", json={"outcome": "confirmed"}).status_code == 200
    assert finance.get("/api/v1/follow-ups").json["items"] == []
    assert [i["id"] for i in finance.get("/api/v1/follow-ups?state=confirmed").json["items"]] == [twelve["id"]]
    assert finance.post("/api/v1/follow-ups/999999/outcome", json={"outcome": "confirmed"}).status_code == 404

    # Audited, for council staff only: a councillor reading the case's history sees neither the answer nor its notes.
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("follow_up.%confirmed")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.audience) for e in events] == [
        ("follow_up.not_confirmed", finance.user.id, "internal"),
        ("follow_up.confirmed", finance.user.id, "internal"),
    ]
    assert events[0].before["state"] == "pending" and events[0].after["notes"].startswith("The family moved")
    councillor = caller("councillor", wards=["pleck"])
    history = councillor.get(f"/api/v1/cases/{case['id']}/history").json
    assert "moved away" not in str(history) and "follow_up" not in str(history)
    assert "moved away" in str(manager.get(f"/api/v1/cases/{case['id']}/history").json)


def test_finance_answers_checks_on_confidential_cases_seeing_no_detail(session, manager, finance):
    case, claim = verified_claim(manager, finance, confidential=True)
    verified_on(session, claim["id"], date(2025, 1, 10))
    sweep_at(session, date(2025, 8, 1))
    [check] = finance.get("/api/v1/follow-ups").json["items"]
    assert check["claim_id"] == claim["id"] and check["case"]["reference"] == case["reference"]
    assert "shopkeeper" not in str(check) and "Repeat fly-tipping" not in str(check)
    answered = finance.post(f"/api/v1/follow-ups/{check['id']}/outcome", json={"outcome": "confirmed"})
    assert answered.status_code == 200 and answered.json["state"] == "confirmed"


@pytest.mark.parametrize(
    ("role", "kwargs"),
    [
        ("area_manager", {"areas": ["SW"]}),
        ("support_officer", {"areas": ["SW"]}),
        ("admin", {}),
        ("councillor", {"wards": ["pleck"]}),
        ("partner", {"organisation": "whg"}),
        ("borough_officer", {}),
    ],
)
def test_only_finance_lists_and_answers_checks(session, manager, finance, caller, role, kwargs):
    _case, claim = verified_claim(manager, finance)
    verified_on(session, claim["id"], date(2025, 1, 10))
    sweep_at(session, date(2025, 8, 1))
    [check] = finance.get("/api/v1/follow-ups").json["items"]
    other = caller(role, **kwargs)
    assert other.get("/api/v1/follow-ups").status_code == 403
    refused = other.post(f"/api/v1/follow-ups/{check['id']}/outcome", json={"outcome": "confirmed"})
    assert refused.status_code == 403
    assert count(session, ClaimFollowUp, ClaimFollowUp.state == "pending") == 1


def test_the_value_report_shows_confirmed_savings_apart_from_those_only_verified(session, manager, finance):
    claims = [verified_claim(manager, finance, pence=pence)[1] for pence in (100_000, 200_000, 400_000)]
    for claim in claims:
        verified_on(session, claim["id"], date(2025, 1, 10))
    sweep_at(session, date(2025, 7, 10))
    pending = {item["claim_id"]: item for item in finance.get("/api/v1/follow-ups").json["items"]}
    first, second, _third = claims
    finance.post(f"/api/v1/follow-ups/{pending[first['id']]['id']}/outcome", json={"outcome": "confirmed"})
    finance.post(
        f"/api/v1/follow-ups/{pending[second['id']]['id']}/outcome",
        json={"outcome": "not_confirmed", "notes": "Tipping started again."},
    )
    total = finance.get("/api/v1/reports/value?area=SW").json["total"]
    nets = {claim["id"]: claim["net_pence"] for claim in claims}
    assert total["confirmed_net_pence"] == nets[first["id"]]
    assert total["not_confirmed_net_pence"] == nets[second["id"]]
    assert total["verified_only_net_pence"] == nets[claims[2]["id"]]
    assert total["verified_net_pence"] == sum(nets.values())

    # The latest answered check decides: twelve months on, the second claim's saving is confirmed after all.
    sweep_at(session, date(2026, 1, 10))
    twelve = {
        item["claim_id"]: item["id"] for item in finance.get("/api/v1/follow-ups").json["items"] if item["months"] == 12
    }
    finance.post(f"/api/v1/follow-ups/{twelve[second['id']]}/outcome", json={"outcome": "confirmed"})
    total = finance.get("/api/v1/reports/value?area=SW").json["total"]
    assert total["confirmed_net_pence"] == nets[first["id"]] + nets[second["id"]]
    assert total["not_confirmed_net_pence"] == 0
