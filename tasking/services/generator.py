"""Synthetic tasking data at any size for benchmarks and load tests, written in batches with each
database's fast path: COPY on PostgreSQL, batched inserts on SQLite.

Cases spread over every area, ward, category and level with a plausible mix of states and ages, with
their tasks, notes, audit events, reviews, quick-win spends and cost-avoided claims.

A long job commits per batch: generate() is given `units`, the delivery layer's unit of work
(`flask tasking generate`, bench/generate.py), and wraps each batch in `with units():`, so each batch
commits on its own. Nothing here commits.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasking.domain.errors import Conflict
from tasking.domain.money import financial_year
from tasking.domain.policy import Policy
from tasking.domain.similarity import PERSON
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
from tasking.services import bulk_rows
from tasking.services.units import Units

CHUNK = 20_000
# South Walsall and North Walsall carry the most work (cabinet report 3.4, docs/README.md): about 17% of cases each.
AREA_WEIGHTS = {"SW": 17, "NW": 17, "BPR": 17, "AB": 16, "DB": 16, "WSH": 17}
LEVEL_WEIGHTS = ((None, 12), (1, 45), (2, 28), (3, 12), (4, 3))
LEVELS = [level for level, _ in LEVEL_WEIGHTS]
LEVEL_CHANCES = [weight for _, weight in LEVEL_WEIGHTS]
GENERATED = (Case, Task, CaseNote, AuditEvent, Review, Spend, CostAvoidedClaim, ClaimOutcome)
# The columns each generated row fills, in order.


def generate(
    session: Session,
    *,
    units: Units,
    cases: int,
    now: datetime,
    policy: Policy,
    seed: int = 2011,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Add `cases` synthetic cases with everything that hangs off them, each batch its own unit of
    work; `progress(size)` is told after each batch commits. Returns how many rows of each kind."""
    with units():
        data = start(session, now=now, policy=policy, seed=seed)
    for size in batches(cases, CHUNK):
        with units():
            data.write_batch(session, size)
        if progress is not None:
            progress(size)
    with units():
        return data.finish(session)


def batches(total: int, size: int = CHUNK) -> Iterator[int]:
    """The sizes of the batches that make up `total` cases."""
    while total > 0:
        yield min(size, total)
        total -= size


@dataclass
class SyntheticData:
    """What a generation run has read and written so far; start() makes one."""

    rng: random.Random
    now: datetime
    policy: Policy
    area_codes: dict[int, str]
    wards_by_area: dict[int, list[Any]]
    categories: list[Any]
    borough: int | None
    managers: dict[int, int]
    any_user: int
    ids: dict[Any, int]
    sequences: dict[tuple[int, int], int]
    spent: dict[tuple[int, int], int] = field(default_factory=dict)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("cases", "tasks", "notes", "audit_events", "reviews", "spends", "claims"), 0
        )
    )

    def __post_init__(self) -> None:
        self.area_ids = list(self.area_codes)
        self.area_weights = [AREA_WEIGHTS.get(self.area_codes[a], 16) for a in self.area_ids]

    def write_batch(self, session: Session, size: int) -> None:
        """Add `size` cases with everything that hangs off them, in the session's transaction."""
        rows: dict[Any, list[tuple]] = {model: [] for model in bulk_rows.COLUMNS}
        for _ in range(size):
            self._case(rows)
        bulk_rows.write(session, rows)
        self.counts["cases"] += size

    def finish(self, session: Session) -> dict[str, int]:
        """Reference counters, budgets that cover the spend, id sequences and planner statistics."""
        postgres = session.get_bind().dialect.name == "postgresql"
        insert = postgresql.insert if postgres else sqlite.insert
        for (area_id, year), last in self.sequences.items():
            statement = insert(CaseSequence).values(area_id=area_id, year=year, last_value=last)
            session.execute(
                statement.on_conflict_do_update(index_elements=["area_id", "year"], set_={"last_value": last})
            )
        for (area_id, year), amount in self.spent.items():
            budget = max(1_000_000, amount * 2)
            statement = insert(BudgetAllocation).values(area_id=area_id, year=year, version=1, amount_pence=budget)
            session.execute(
                statement.on_conflict_do_update(index_elements=["area_id", "year"], set_={"amount_pence": budget})
            )
        if postgres:
            for model in GENERATED:
                table = model.__tablename__
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
        session.execute(text("ANALYZE"))
        return dict(self.counts)

    def _case(self, rows: dict[Any, list[tuple]]) -> None:
        rng, ids, counts = self.rng, self.ids, self.counts
        case_id = ids[Case]
        ids[Case] += 1
        area_id = rng.choices(self.area_ids, self.area_weights)[0]
        ward = rng.choice(self.wards_by_area[area_id])
        category_id, default_level, frontline, lead, similarity = rng.choice(self.categories)
        level = rng.choices(LEVELS, LEVEL_CHANCES)[0]
        age = timedelta(days=rng.random() ** 1.6 * 900, seconds=rng.randrange(86_400))
        created = self.now - age
        year = created.year
        self.sequences[(area_id, year)] = self.sequences.get((area_id, year), 0) + 1
        reference = f"{self.area_codes[area_id]}-{year}-{self.sequences[(area_id, year)]:05d}"
        manager = self.managers.get(area_id, self.any_user)
        owner_org = owner_user = coordinator = routing_reason = None
        if level == 1:
            owner_org = frontline
        elif level == 2:
            owner_user = manager
        elif level == 3:
            owner_org, coordinator = lead, manager
        elif level == 4:
            owner_org = self.borough
        if level is not None and owner_org is None and owner_user is None:
            routing_reason = "No owner for this level in the routing table."
        closed = level is not None and age > timedelta(days=60) and rng.random() < 0.75
        if closed:
            state = "resolved" if rng.random() < 0.8 else "closed"
        elif level is None:
            state = "new"
        elif routing_reason is None:
            state = rng.choice(["assigned", "assigned", "in_progress", "returned"])
        else:
            state = "returned"
        flags = [rng.random() < 0.06 for _ in range(4)]
        suggested = level or default_level
        # Most person-based cases carry a household reference, a few hundred per ward, so some repeat
        # (docs/levels.md, "The same problem").
        subject = f"HH-{ward.id}-{rng.randrange(300):03d}" if similarity == PERSON and rng.random() < 0.7 else None
        reviewed = level is not None and rng.random() < 0.3
        updated = created + min(age, timedelta(days=rng.uniform(0, 30)))
        next_review = None if closed else updated + timedelta(days=self.policy.review_interval(level or 1))
        rows[Case].append(
            (case_id, reference, f"Synthetic case {case_id}", "Generated for benchmarks.", category_id, ward.id,
             area_id, f"{rng.randint(1, 200)} High Street", None, None, None,
             rng.choice(["staff", "councillor", "open311", "partner"]), manager, level, state, owner_org,
             owner_user, coordinator, routing_reason, rng.random() < 0.02, *flags, sum(flags), 1, False, False,
             suggested, [{"code": f"L{suggested}_GENERATED", "message": "Generated."}], False, False, subject, created,
             updated, updated if closed else None, next_review, 1 if reviewed else 0, False, 0, 1)
        )  # fmt: skip
        rows[AuditEvent].append(
            (ids[AuditEvent], created, manager, "case.created", "case", str(case_id), case_id, None, None,
             {"reference": reference, "state": "new"})
        )  # fmt: skip
        ids[AuditEvent] += 1
        counts["audit_events"] += 1
        if level is not None:
            rows[AuditEvent].append(
                (ids[AuditEvent], created + timedelta(hours=4), manager, "case.decision", "case", str(case_id),
                 case_id, None, {"level": None}, {"level": level, "suggested_level": suggested})
            )  # fmt: skip
            ids[AuditEvent] += 1
            counts["audit_events"] += 1
        offered = [(owner_org, "frontline" if level == 1 else "lead")] if level in (1, 3) and owner_org else []
        for org_id, role in offered:
            task_state = "done" if closed else rng.choice(["offered", "offered", "accepted", "in_progress"])
            rows[Task].append(
                (ids[Task], case_id, org_id, role, task_state, created + timedelta(days=self.policy.review_interval(level or 1)), created,
                 updated, 1)
            )  # fmt: skip
            ids[Task] += 1
            counts["tasks"] += 1
        if rng.random() < 0.5:
            rows[CaseNote].append(
                (ids[CaseNote], case_id, manager, "Visited; spoke to residents.",
                 rng.choice(["internal", "partners", "councillor", "public"]), updated)
            )  # fmt: skip
            ids[CaseNote] += 1
            counts["notes"] += 1
        if reviewed:
            decided = closed or rng.random() < 0.6
            rows[Review].append(
                (ids[Review], case_id, 1, created + timedelta(days=self.policy.review_interval(level or 1)), updated, False,
                 "decided" if decided else "pending", "continue" if decided else None, manager if decided else None,
                 updated if decided else None)
            )  # fmt: skip
            ids[Review] += 1
            counts["reviews"] += 1
        if level in (1, 2, 3) and rng.random() < 0.03:
            amount = rng.choice([5_000, 12_500, 25_000, 40_000])
            day = created.date()
            key = (area_id, financial_year(day))
            self.spent[key] = self.spent.get(key, 0) + amount
            rows[Spend].append(
                (ids[Spend], area_id, key[1], case_id, "spend", amount, "Quick win", "Contractor", day, manager,
                 created)
            )  # fmt: skip
            ids[Spend] += 1
            counts["spends"] += 1
        if level in (2, 3) and rng.random() < 0.01:
            gross = rng.choice([100_000, 250_000, 2_590_000])
            verified = rng.random() < 0.5
            rows[CostAvoidedClaim].append(
                (ids[CostAvoidedClaim], case_id, "verified" if verified else "estimated", gross, gross, gross, gross,
                 0, 0, gross,
                 manager, updated, updated, manager if verified else None, updated if verified else None, 1)
            )  # fmt: skip
            rows[ClaimOutcome].append(
                (ids[ClaimOutcome], ids[CostAvoidedClaim], "Outcome avoided", gross, 1, Fraction(1), gross, gross, gross, gross)
            )  # fmt: skip
            ids[CostAvoidedClaim] += 1
            ids[ClaimOutcome] += 1
            counts["claims"] += 1


def start(session: Session, *, now: datetime, policy: Policy, seed: int = 2011) -> SyntheticData:
    """Read the reference data and where each table's ids and counters stand; refuses an unseeded database."""
    areas = {a.id: a.code for a in session.execute(select(Area.id, Area.code))}
    wards_by_area: dict[int, list[Any]] = {}
    for ward in session.execute(select(Ward.id, Ward.area_id, Ward.latitude, Ward.longitude)):
        wards_by_area.setdefault(ward.area_id, []).append(ward)
    categories = list(
        session.execute(
            select(
                Category.id,
                Category.default_level,
                Category.frontline_organisation_id,
                Category.lead_organisation_id,
                Category.similarity,
            )
        ).all()
    )
    borough = session.scalar(select(Organisation.id).where(Organisation.kind == "borough"))
    first_managers = text(
        "SELECT ua.area_id, MIN(u.id) FROM users u JOIN user_areas ua ON ua.user_id = u.id "
        "WHERE u.role = 'area_manager' GROUP BY ua.area_id"
    )
    managers: dict[int, int] = {area_id: user_id for area_id, user_id in session.execute(first_managers)}
    any_user = session.scalar(select(func.min(User.id)))
    if not managers or any_user is None:
        raise Conflict("Load reference data and demo users first: flask tasking seed && flask tasking demo")
    ids = {model: (session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1 for model in GENERATED}
    sequences = {
        (area_id, year): last
        for area_id, year, last in session.execute(
            select(CaseSequence.area_id, CaseSequence.year, CaseSequence.last_value)
        )
    }
    return SyntheticData(
        rng=random.Random(seed),
        now=now,
        policy=policy,
        area_codes=areas,
        wards_by_area=wards_by_area,
        categories=categories,
        borough=borough,
        managers=managers,
        any_user=any_user,
        ids=ids,
        sequences=sequences,
    )
