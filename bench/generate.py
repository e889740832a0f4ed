"""Synthetic tasking data at any size, streamed in chunks (memory flat in N), written with each
database's fast path: COPY on PostgreSQL, batched inserts on SQLite.

    python -m bench.generate --cases 1000000          # or: flask tasking generate --cases N

Cases spread over every area, ward, category and level with a plausible mix of states and ages,
with their tasks, notes, audit events, reviews, quick-win spends and cost-avoided claims."""
import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from tasking.domain.lifecycle import OPEN_STATES
from tasking.domain.money import financial_year
from tasking.models import (
    Area,
    AuditEvent,
    BudgetAllocation,
    Case,
    CaseNote,
    CaseSequence,
    Category,
    ClaimOutcome,
    CostAvoidedClaim,
    Organisation,
    Review,
    Spend,
    Task,
    User,
    Ward,
)

CHUNK = 20_000
# South Walsall and North Walsall carry the most work (seed 3.4): about 17% of cases each.
AREA_WEIGHTS = {"SW": 17, "NW": 17, "BPR": 17, "AB": 16, "DB": 16, "WSH": 17}
LEVEL_WEIGHTS = ((None, 12), (1, 45), (2, 28), (3, 12), (4, 3))
INTERVAL = {1: 14, 2: 28, 3: 14, 4: 56, None: 14}
OPEN = [s.value for s in OPEN_STATES]


class Progress:
    def __init__(self, total: int, label: str):
        self.total, self.label, self.start, self.done = total, label, time.monotonic(), 0

    def advance(self, count: int) -> None:
        self.done += count
        rate = self.done / max(time.monotonic() - self.start, 1e-9)
        filled = int(30 * self.done / max(self.total, 1))
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,} "
                         f"({rate:,.0f}/s)")
        sys.stderr.flush()
        if self.done >= self.total:
            sys.stderr.write("\n")


class Writer:
    """Rows to tables, by COPY on PostgreSQL and executemany on SQLite, one transaction per chunk."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(self, batches: dict) -> None:
        if self.postgres:
            from psycopg.types.json import Jsonb

            raw = self.engine.raw_connection()
            try:
                connection = raw.driver_connection
                with connection.cursor() as cursor:
                    for model, (columns, rows) in batches.items():
                        if not rows:
                            continue
                        json_at = {i for i, c in enumerate(columns) if c in ("before", "after", "suggestion_reasons")}
                        with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row([Jsonb(v) if i in json_at and v is not None else v
                                                for i, v in enumerate(row)])
                connection.commit()
            finally:
                raw.close()
        else:
            with self.engine.begin() as connection:
                for model, (columns, rows) in batches.items():
                    if rows:
                        connection.execute(model.__table__.insert(), [dict(zip(columns, row)) for row in rows])


def _reference_data(engine: Engine) -> dict:
    with engine.connect() as c:
        areas = {a.id: a.code for a in c.execute(select(Area.id, Area.code))}
        wards = c.execute(select(Ward.id, Ward.area_id, Ward.latitude, Ward.longitude)).all()
        categories = c.execute(select(Category.id, Category.default_level, Category.frontline_organisation_id,
                                      Category.lead_organisation_id)).all()
        borough = c.scalar(select(Organisation.id).where(Organisation.kind == "borough"))
        managers = dict(c.execute(text(
            "SELECT ua.area_id, MIN(u.id) FROM users u JOIN user_areas ua ON ua.user_id = u.id "
            "WHERE u.role = 'area_manager' GROUP BY ua.area_id")).all())
        any_user = c.scalar(select(func.min(User.id)))
        starts = {m: (c.scalar(select(func.coalesce(func.max(m.id), 0))) or 0) + 1
                  for m in (Case, Task, CaseNote, AuditEvent, Review, Spend, CostAvoidedClaim, ClaimOutcome)}
    if not managers or any_user is None:
        raise SystemExit("Load reference data and demo users first: flask tasking seed && flask tasking demo")
    return {"areas": areas, "wards": wards, "categories": categories, "borough": borough, "managers": managers,
            "any_user": any_user, "next": starts}


def generate(engine: Engine, cases: int, *, seed: int = 2011, now: datetime | None = None,
             progress: bool = True) -> dict:
    """Add `cases` synthetic cases with everything that hangs off them; returns counts and speed."""
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    ref = _reference_data(engine)
    ids = dict(ref["next"])
    writer = Writer(engine)
    area_codes = ref["areas"]
    wards_by_area = {}
    for ward in ref["wards"]:
        wards_by_area.setdefault(ward.area_id, []).append(ward)
    area_ids = list(area_codes)
    area_w = [AREA_WEIGHTS.get(area_codes[a], 16) for a in area_ids]
    levels, level_w = zip(*LEVEL_WEIGHTS)
    sequences: dict[tuple[int, int], int] = {}
    with engine.connect() as c:
        for area_id, year, last in c.execute(select(CaseSequence.area_id, CaseSequence.year, CaseSequence.last_value)):
            sequences[(area_id, year)] = last
    spent: dict[tuple[int, int], int] = {}
    counts = dict.fromkeys(("cases", "tasks", "notes", "audit_events", "reviews", "spends", "claims"), 0)
    bar = Progress(cases, "cases") if progress else None
    started = time.monotonic()
    columns = {
        Case: ("id", "reference", "title", "description", "category_id", "ward_id", "area_id", "address", "postcode",
               "latitude", "longitude", "source", "raised_by_id", "level", "state", "owner_organisation_id",
               "owner_user_id", "coordinator_user_id", "routing_reason", "confidential", "risk_vulnerable_person",
               "risk_safeguarding", "risk_hate_incident", "risk_repeat_victim", "risk_score", "agencies_needed",
               "referred_back", "case_review_flag", "suggested_level", "suggestion_reasons", "ready_to_resolve",
               "reporter_consent", "created_at", "updated_at", "closed_at", "next_review_at", "review_sequence",
               "overdue", "missed_reviews", "version"),
        Task: ("id", "case_id", "organisation_id", "role", "state", "due_at", "created_at", "updated_at", "version"),
        CaseNote: ("id", "case_id", "author_id", "body", "visibility", "created_at"),
        AuditEvent: ("id", "at", "actor_id", "action", "object_type", "object_id", "case_id", "audience", "before",
                     "after"),
        Review: ("id", "case_id", "sequence", "due_at", "created_at", "overdue", "state", "outcome", "decided_by_id",
                 "decided_at"),
        Spend: ("id", "area_id", "year", "case_id", "kind", "amount_pence", "description", "supplier", "spent_on",
                "created_by_id", "created_at"),
        CostAvoidedClaim: ("id", "case_id", "state", "gross_pence", "quick_win_pence", "other_costs_pence",
                           "net_pence", "created_by_id", "created_at", "updated_at", "decided_by_id", "decided_at",
                           "version"),
        ClaimOutcome: ("id", "claim_id", "description", "unit_cost_pence", "quantity", "probability",
                       "expected_pence"),
    }
    remaining = cases
    while remaining:
        size = min(CHUNK, remaining)
        rows = {model: [] for model in columns}
        for _ in range(size):
            case_id = ids[Case]
            ids[Case] += 1
            area_id = rng.choices(area_ids, area_w)[0]
            ward = rng.choice(wards_by_area[area_id])
            category_id, default_level, frontline, lead = rng.choice(ref["categories"])
            level = rng.choices(levels, level_w)[0]
            age = timedelta(days=rng.random() ** 1.6 * 900, seconds=rng.randrange(86_400))
            created = now - age
            year = created.year
            sequences[(area_id, year)] = sequences.get((area_id, year), 0) + 1
            reference = f"{area_codes[area_id]}-{year}-{sequences[(area_id, year)]:05d}"
            manager = ref["managers"].get(area_id, ref["any_user"])
            owner_org = owner_user = coordinator = routing_reason = None
            if level == 1:
                owner_org = frontline
            elif level == 2:
                owner_user = manager
            elif level == 3:
                owner_org, coordinator = lead, manager
            elif level == 4:
                owner_org = ref["borough"]
            if level is not None and owner_org is None and owner_user is None:
                routing_reason = "No owner for this level in the routing table."
            closed = level is not None and age > timedelta(days=60) and rng.random() < 0.75
            state = ("resolved" if rng.random() < 0.8 else "closed") if closed else (
                "new" if level is None else rng.choice(["assigned", "assigned", "in_progress", "returned"])
                if routing_reason is None else "returned")
            flags = [rng.random() < 0.06 for _ in range(4)]
            suggested = level or default_level
            reviewed = level is not None and rng.random() < 0.3
            updated = created + min(age, timedelta(days=rng.uniform(0, 30)))
            next_review = None if closed else updated + timedelta(days=INTERVAL[level])
            rows[Case].append((case_id, reference, f"Synthetic case {case_id}", "Generated for benchmarks.",
                               category_id, ward.id, area_id, f"{rng.randint(1, 200)} High Street", None,
                               None, None, rng.choice(["staff", "councillor", "open311", "partner"]), manager, level,
                               state, owner_org, owner_user, coordinator, routing_reason, rng.random() < 0.02,
                               *flags, sum(flags), 1, False, False, suggested,
                               [{"code": f"L{suggested}_GENERATED", "message": "Generated."}], False, False,
                               created, updated, updated if closed else None, next_review, 1 if reviewed else 0,
                               False, 0, 1))
            rows[AuditEvent].append((ids[AuditEvent], created, manager, "case.created", "case", str(case_id), case_id,
                                     None, None, {"reference": reference, "state": "new"}))
            ids[AuditEvent] += 1
            counts["audit_events"] += 1
            if level is not None:
                rows[AuditEvent].append((ids[AuditEvent], created + timedelta(hours=4), manager, "case.decision",
                                         "case", str(case_id), case_id, None, {"level": None},
                                         {"level": level, "suggested_level": suggested}))
                ids[AuditEvent] += 1
                counts["audit_events"] += 1
            offered = [(owner_org, "frontline" if level == 1 else "lead")] if level in (1, 3) and owner_org else []
            for org_id, role in offered:
                task_state = ("done" if closed else rng.choice(["offered", "offered", "accepted", "in_progress"]))
                rows[Task].append((ids[Task], case_id, org_id, role, task_state,
                                   created + timedelta(days=INTERVAL[level]), created, updated, 1))
                ids[Task] += 1
                counts["tasks"] += 1
            if rng.random() < 0.5:
                rows[CaseNote].append((ids[CaseNote], case_id, manager, "Visited; spoke to residents.",
                                       rng.choice(["internal", "partners", "councillor", "public"]), updated))
                ids[CaseNote] += 1
                counts["notes"] += 1
            if reviewed:
                decided = closed or rng.random() < 0.6
                rows[Review].append((ids[Review], case_id, 1, created + timedelta(days=INTERVAL[level]), updated,
                                     False, "decided" if decided else "pending", "continue" if decided else None,
                                     manager if decided else None, updated if decided else None))
                ids[Review] += 1
                counts["reviews"] += 1
            if level in (1, 2, 3) and rng.random() < 0.03:
                amount = rng.choice([5_000, 12_500, 25_000, 40_000])
                day = created.date()
                key = (area_id, financial_year(day))
                spent[key] = spent.get(key, 0) + amount
                rows[Spend].append((ids[Spend], area_id, key[1], case_id, "spend", amount, "Quick win", "Contractor",
                                    day, manager, created))
                ids[Spend] += 1
                counts["spends"] += 1
            if level in (2, 3) and rng.random() < 0.01:
                gross = rng.choice([100_000, 250_000, 2_590_000])
                verified = rng.random() < 0.5
                rows[CostAvoidedClaim].append((ids[CostAvoidedClaim], case_id,
                                               "verified" if verified else "estimated", gross, 0, 0, gross, manager,
                                               updated, updated, manager if verified else None,
                                               updated if verified else None, 1))
                rows[ClaimOutcome].append((ids[ClaimOutcome], ids[CostAvoidedClaim], "Outcome avoided", gross, 1, 1,
                                           gross))
                ids[CostAvoidedClaim] += 1
                ids[ClaimOutcome] += 1
                counts["claims"] += 1
        writer.write({model: (columns[model], rows[model]) for model in columns})
        counts["cases"] += size
        remaining -= size
        if bar:
            bar.advance(size)
    elapsed = time.monotonic() - started
    _finish(engine, sequences, spent)
    return {**counts, "seconds": round(elapsed, 1), "cases_per_second": round(cases / max(elapsed, 1e-9))}


def _finish(engine: Engine, sequences: dict, spent: dict) -> None:
    """Reference counters, budgets that cover the spend, id sequences and planner statistics."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with engine.begin() as c:
        for (area_id, year), last in sequences.items():
            statement = insert(CaseSequence).values(area_id=area_id, year=year, last_value=last)
            c.execute(statement.on_conflict_do_update(index_elements=["area_id", "year"], set_={"last_value": last}))
        for (area_id, year), amount in spent.items():
            statement = insert(BudgetAllocation).values(area_id=area_id, year=year, version=1,
                                                        amount_pence=max(1_000_000, amount * 2))
            c.execute(statement.on_conflict_do_update(index_elements=["area_id", "year"],
                                                      set_={"amount_pence": max(1_000_000, amount * 2)}))
        if engine.dialect.name == "postgresql":
            for model in (Case, Task, CaseNote, AuditEvent, Review, Spend, CostAvoidedClaim, ClaimOutcome):
                table = model.__tablename__
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args()
    from tasking import create_app
    from tasking.extensions import db

    app = create_app()
    with app.app_context():
        print(generate(db.engine, args.cases, seed=args.seed))


if __name__ == "__main__":
    main()
