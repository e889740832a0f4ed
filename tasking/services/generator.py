"""Synthetic tasking data at any size for benchmarks and load tests, drawn in batches with NumPy and
written with each database's fast path: COPY on PostgreSQL, batched inserts on SQLite
(services/generator_copy.py).

Cases spread over every area, ward, category and level with a plausible mix of states and ages, with
their tasks, notes, audit events, reviews, review schedules, quick-win spends, cost-avoided claims and
the running deadline clocks of the open ones.

A long job is given `units`, the delivery layer's unit of work (`flask tasking generate`,
bench/generate.py). A small load wraps each batch in `with units():`, so each batch commits on its
own. A large load on PostgreSQL (at least BULK_FROM cases, and at least an eighth of those already there)
is one unit: the loaded tables' secondary indexes and foreign keys are dropped, the rows copied in,
and the indexes built and the keys added back NOT VALID before its commit
(services/generator_indexes.py), so a failure in it leaves the database as it was. Then each key is
checked against the loaded rows in a unit of its own, from `check_units`, two at a time; a key whose
check fails or never runs stays NOT VALID, still enforced for new rows. Nothing here commits.
"""

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

import numpy as np
from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasking.domain.deadlines import FIRST_RESPONSE, TASK_ACCEPT, TASK_COMPLETE, TargetRow, pick_target
from tasking.domain.errors import Conflict
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
    Clock,
    CostAvoidedClaim,
    Organisation,
    Review,
    Spend,
    Task,
    User,
    Ward,
)
from tasking.models.base import Base
from tasking.services import generator_copy, generator_indexes, targets
from tasking.services.generator_copy import Choice, Days, Ints, Rows, Same, Stamps, Text
from tasking.services.units import Units

CHUNK = 50_000
# A load this large (and at least an eighth of the cases already there) is faster with the indexes
# built afterwards: keeping 30-odd indexes up to date row by row costs several times more per row.
BULK_FROM = 50_000
# South Walsall and North Walsall carry the most work (cabinet report 3.4, docs/README.md): about 17% of cases each.
AREA_WEIGHTS = {"SW": 17, "NW": 17, "BPR": 17, "AB": 16, "DB": 16, "WSH": 17}
LEVELS = (None, 1, 2, 3, 4)
LEVEL_CHANCES = np.array([12, 45, 28, 12, 3]) / 100
SOURCES = ("staff", "councillor", "open311", "partner")
VISIBILITIES = ("internal", "partners", "councillor", "public")
BOOLS = (False, True)
# Case states as drawn; the open ones are the first four (domain/lifecycle.py OPEN_STATES).
STATES = ("new", "assigned", "in_progress", "returned", "resolved", "closed")
NEW, ASSIGNED, IN_PROGRESS, RETURNED, RESOLVED, CLOSED = range(6)
TASK_STATES = ("offered", "accepted", "in_progress", "done")
DAY = 86_400
# Id sequences to move past what was copied in; the review schedule's key is its case's.
ID_TABLES = (Case, Task, CaseNote, AuditEvent, Review, Spend, CostAvoidedClaim, ClaimOutcome, Clock)


def generate(
    session: Session,
    *,
    units: Units,
    check_units: generator_indexes.ConnectionUnits,
    cases: int,
    now: datetime,
    policy: Policy,
    seed: int = 2011,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Add `cases` synthetic cases with everything that hangs off them; `progress(size)` is told
    after each batch is written, `phase(name)` as each part of a bulk load begins ("copy",
    "rebuild": indexes, statistics and constraints, "check": the foreign keys, "done"), for the
    benchmark's record. `units` opens the session's units of work; `check_units` opens units on
    connections of their own, for a bulk load's checks of its foreign keys, two at once
    (generator_indexes.validate). Returns how many rows of each kind."""
    phase = phase or (lambda _name: None)
    postgres = session.get_bind().dialect.name == "postgresql"
    with units():
        data = start(session, now=now, policy=policy, seed=seed)
        bulk = bulk_load(session, cases, existing=data.ids[Case] - 1)
    sizes = list(batches(cases, CHUNK))
    if postgres:
        data.plan(sizes, "postgresql")
    try:
        if bulk:
            with units():
                _no_timeout(session)
                with generator_indexes.deferred(session, data.tables()) as deferred:
                    phase("copy")
                    for size in sizes:
                        data.write_batch(session, size)
                        if progress is not None:
                            progress(size)
                    phase("rebuild")
                counts = data.finish(session, analysed=True)
            # After the commit: the checks run on connections of their own, which see the rows then.
            phase("check")
            generator_indexes.validate(check_units, deferred)
            phase("done")
            return counts
        for size in sizes:
            with units():
                _no_timeout(session)
                data.write_batch(session, size)
            if progress is not None:
                progress(size)
    finally:
        data.stop()
    with units():
        _no_timeout(session)
        return data.finish(session)


def _no_timeout(session: Session) -> None:
    """A batch job's statements may run longer than a request's (config DATABASE_STATEMENT_TIMEOUT_MS)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL statement_timeout = 0"))


def bulk_load(session: Session, cases: int, *, existing: int) -> bool:
    """Whether to load without indexes: only PostgreSQL can drop and rebuild them in the same
    transaction, and rebuilding costs the whole table, so only for a load that is not small beside
    what is there."""
    return session.get_bind().dialect.name == "postgresql" and cases >= BULK_FROM and cases * 8 >= existing


def batches(total: int, size: int = CHUNK) -> Iterator[int]:
    """The sizes of the batches that make up `total` cases: `size` each, but the first few smaller
    and growing (a tenth of `size`, then half as much again each time). Nothing is written until
    the first batch is drawn, and drawing 50,000 cases takes about 1.5 s; the child process that
    draws them is faster than the database takes them in, so from a small first batch on it stays
    a batch ahead and the database never waits for it."""
    step = max(1, size // 10)
    while total > 0:
        yield min(step, total)
        total -= step
        step = min(size, step + max(1, step // 2))


def review_schedule_table() -> Table | None:
    """Where the review bookkeeping lives: its own narrow table once the schema has it (one row per
    open case), the case row's columns before that."""
    return Base.metadata.tables.get("review_schedules") if "next_review_at" not in Case.__table__.c else None


@dataclass
class SyntheticData:
    """What a generation run has read and written so far; start() makes one."""

    rng: np.random.Generator
    now: datetime
    policy: Policy
    area_ids: np.ndarray
    area_codes: list[str]
    area_weights: np.ndarray
    managers: np.ndarray  # per area: the user who raises and manages its cases
    ward_ids: np.ndarray
    ward_areas: np.ndarray  # per ward: its area's index
    categories: list[Any]
    borough: int | None
    targets: list[TargetRow]
    ids: dict[Any, int]
    sequences: dict[tuple[int, int], int]
    spent: dict[tuple[int, int], int] = field(default_factory=dict)
    producer: Any = None  # the child process making the batches (plan())
    receive: Any = None  # its end of the pipe they come through
    reader: ThreadPoolExecutor | None = None  # takes the next batch off the pipe (plan())
    next_batch: Future | None = None  # the batch being taken off it, if more are to come
    to_come: int = 0  # batches not yet taken off it
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("cases", "tasks", "notes", "audit_events", "reviews", "spends", "claims", "clocks"), 0
        )
    )

    def __post_init__(self) -> None:
        self.now_s = int(self.now.timestamp())
        # Wards of each area as one table: area index -> offset and count in ward_order.
        self.ward_order = np.argsort(self.ward_areas, kind="stable")
        self.ward_counts = np.bincount(self.ward_areas, minlength=len(self.area_ids))
        self.ward_offsets = np.concatenate([[0], np.cumsum(self.ward_counts)[:-1]])
        cats = self.categories
        self.category_ids = np.array([c.id for c in cats])
        self.default_levels = np.array([c.default_level or 1 for c in cats])
        self.person_based = np.array([c.similarity == PERSON for c in cats])
        # Organisations that own cases, as codes: 0 is none.
        self.organisations: list[int | None] = [None]
        self.frontline = np.array([self._organisation(c.frontline_organisation_id) for c in cats])
        self.lead = np.array([self._organisation(c.lead_organisation_id) for c in cats])
        self.borough_code = self._organisation(self.borough)
        self.intervals = np.array([self.policy.review_interval(level or 1) for level in LEVELS]) * DAY
        self.users = [None, *sorted(set(self.managers.tolist()))]
        self.manager_codes = np.array([self.users.index(m) for m in self.managers.tolist()])
        self.subjects = [None] + [f"HH-{ward}-{n:03d}" for ward in self.ward_ids.tolist() for n in range(300)]
        self.reasons = [None] + [[{"code": f"L{level}_GENERATED", "message": "Generated."}] for level in LEVELS[1:]]

    def _organisation(self, organisation_id: int | None) -> int:
        if organisation_id is None:
            return 0
        if organisation_id not in self.organisations:
            self.organisations.append(organisation_id)
        return self.organisations.index(organisation_id)

    def tables(self) -> list[str]:
        """The tables a batch writes into."""
        written = [Case, Task, CaseNote, AuditEvent, Review, Spend, CostAvoidedClaim, ClaimOutcome, Clock]
        schedules = review_schedule_table()
        return [model.__tablename__ for model in written] + ([schedules.name] if schedules is not None else [])

    def write_batch(self, session: Session, size: int) -> None:
        """Add `size` cases with everything that hangs off them, in the session's transaction."""
        if self.next_batch is not None:
            made, batch, state = self.next_batch.result()
            self.next_batch = self._read_next()
            assert made == size, "batches are written in the order planned"
            self.ids, self.sequences, self.spent = state["ids"], state["sequences"], state["spent"]
            self.counts.update(state["counts"])
        else:
            batch = generator_copy.prepare(self.draw(size), session.get_bind().dialect.name)
        generator_copy.write(session, batch)
        self.counts["cases"] += size

    def plan(self, sizes: list[int], dialect: str) -> None:
        """Draw and format the batches of these sizes in a child process, one batch ahead of the one
        being written: making them is CPU-bound Python, and so is much of taking them in on the
        database's side, so on two cores the two run side by side. stop() ends it."""
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self.producer = context.Process(target=self._produce, args=(sizes, dialect, send, receive), daemon=True)
        with send:  # the parent's copy of the sending end, closed once the child holds its own
            self.producer.start()
        self.receive = receive
        # Taking a batch (tens of megabytes) off the pipe takes about 0.1 s, which a thread does
        # while the previous one is written: the database would otherwise wait for it.
        self.reader = ThreadPoolExecutor(max_workers=1)
        self.to_come = len(sizes)
        self.next_batch = self._read_next()

    def _read_next(self) -> Future | None:
        if self.reader is None or self.to_come == 0:
            return None
        self.to_come -= 1
        return self.reader.submit(self.receive.recv)

    def _produce(self, sizes: list[int], dialect: str, send: Any, receive: Any) -> None:
        # The child's inherited copy of the receiving end, closed at once (leaving the block closes
        # it): held open, it would keep the pipe alive after the parent closes its own (stop() on a
        # failed load), and the child would never see the broken pipe that tells it to end.
        with receive:
            pass
        with send:
            for size in sizes:
                batch = generator_copy.prepare(self.draw(size), dialect)
                counts = {kind: count for kind, count in self.counts.items() if kind != "cases"}
                state = {"ids": self.ids, "sequences": self.sequences, "spent": self.spent, "counts": counts}
                send.send((size, batch, state))

    def stop(self) -> None:
        """End the child process that makes the batches, if there is one."""
        if self.reader is not None:
            # A batch being taken off the pipe is taken whole (the child sends it, or ends), so
            # the pipe is not closed under the reading thread.
            self.to_come = 0
            self.next_batch = None
            self.reader.shutdown(wait=True)
            self.reader = None
        if self.receive is not None:
            with self.receive:  # closed on leaving: a child still sending gets a broken pipe and ends
                self.receive = None
        if self.producer is not None:
            self.producer.join(timeout=5)
            if self.producer.is_alive():
                self.producer.terminate()
                self.producer.join()
            self.producer = None

    def draw(self, n: int) -> list[Rows]:
        """A batch of `n` cases and what hangs off them, parents first."""
        rng = self.rng
        case_ids = np.arange(self.ids[Case], self.ids[Case] + n)
        self.ids[Case] += n
        area = rng.choice(len(self.area_ids), n, p=self.area_weights)
        ward = self.ward_order[self.ward_offsets[area] + (rng.random(n) * self.ward_counts[area]).astype(np.int64)]
        category = rng.integers(0, len(self.categories), n)
        level = rng.choice(len(LEVELS), n, p=LEVEL_CHANCES)  # codes into LEVELS: 0 is none
        age = (rng.random(n) ** 1.6 * 900 * DAY).astype(np.int64) + rng.integers(0, DAY, n)
        created = self.now_s - age
        years = created.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
        sequence = self._number(area, years)
        manager = self.manager_codes[area]
        levelled = level > 0
        owner_org = np.select(
            [level == 1, level == 3, level == 4], [self.frontline[category], self.lead[category], self.borough_code], 0
        )
        owner_user = np.where(level == 2, manager, 0)
        coordinator = np.where(level == 3, manager, 0)
        unrouted = levelled & (owner_org == 0) & (owner_user == 0)
        closed = levelled & (age > 60 * DAY) & (rng.random(n) < 0.75)
        state = np.where(rng.random(n) < 0.8, RESOLVED, CLOSED)
        state = np.where(closed, state, np.where(~levelled, NEW, np.where(unrouted, RETURNED, 0)))
        routed = ~closed & levelled & ~unrouted
        state = np.where(routed, np.array([ASSIGNED, ASSIGNED, IN_PROGRESS, RETURNED])[rng.integers(0, 4, n)], state)
        flags = rng.random((4, n)) < 0.06
        suggested = np.where(levelled, level, self.default_levels[category])
        person = self.person_based[category] & (rng.random(n) < 0.7)
        subject = np.where(person, 1 + ward * 300 + rng.integers(0, 300, n), 0)
        reviewed = levelled & (rng.random(n) < 0.3)
        updated = created + np.minimum(age, (rng.uniform(0, 30, n) * DAY).astype(np.int64))
        interval = self.intervals[level]
        is_open = ~closed
        next_review = updated + interval  # an untriaged case on level one's cycle
        reference = Text("%s-%d-%05d", (Choice(area, self.area_codes), Ints(years), Ints(sequence)))
        # Choice columns side by side go out as one piece per row (services/generator_copy.py).
        case = {
            "id": Ints(case_ids),
            "reference": reference,
            "title": Text("Synthetic case %d", (Ints(case_ids),)),
            "address": Text("%d High Street", (Ints(rng.integers(1, 201, n)),)),
            "category_id": Choice(category, self.category_ids.tolist()),
            "ward_id": Choice(ward, self.ward_ids.tolist()),
            "area_id": Choice(area, self.area_ids.tolist()),
            "raised_by_id": Choice(manager, self.users),
            "level": Choice(level, LEVELS),
            "state": Choice(state, STATES),
            "owner_organisation_id": Choice(owner_org, self.organisations),
            "owner_user_id": Choice(owner_user, self.users),
            "coordinator_user_id": Choice(coordinator, self.users),
            "routing_reason": Choice(unrouted.astype(np.int8), (None, "No owner for this level in the routing table.")),
            "suggested_level": Choice(suggested, LEVELS),
            "suggestion_reasons": Choice(suggested, self.reasons),
            "created_at": Stamps(created),
            "source": Choice(rng.integers(0, len(SOURCES), n), SOURCES),
            "confidential": Choice((rng.random(n) < 0.02).astype(np.int8), BOOLS),
            "risk_vulnerable_person": Choice(flags[0].astype(np.int8), BOOLS),
            "risk_safeguarding": Choice(flags[1].astype(np.int8), BOOLS),
            "risk_hate_incident": Choice(flags[2].astype(np.int8), BOOLS),
            "risk_repeat_victim": Choice(flags[3].astype(np.int8), BOOLS),
            "risk_score": Choice(flags.sum(axis=0), range(5)),
            "updated_at": Stamps(updated),
            "subject_ref": Choice(subject, self.subjects),
            "closed_at": Stamps(updated, missing=~closed),
            "description": Same("Generated for benchmarks."),
            "agencies_needed": Same(1),
            "referred_back": Same(False),
            "case_review_flag": Same(False),
            "ready_to_resolve": Same(False),
            "reporter_consent": Same(False),
            "version": Same(1),
        }
        schedules = self._review_bookkeeping(case, case_ids, is_open, next_review, reviewed)
        batch = [Rows(Case.__table__, n, case)]
        batch += schedules
        batch += self._audit(case_ids, created, manager, level, suggested, reference)
        batch += self._tasks_and_clocks(case_ids, created, updated, level, owner_org, is_open, interval, category, area)
        batch.append(self._notes(case_ids, manager, updated))
        batch.append(self._reviews(case_ids, reviewed, closed, created, updated, interval, manager))
        batch += self._money(case_ids, area, level, created, updated, manager)
        return batch

    def _number(self, area: np.ndarray, years: np.ndarray) -> np.ndarray:
        """Each case's number in its area and year, carrying on from the case_sequences counters."""
        keys = area.astype(np.int64) * 10_000 + years
        order = np.argsort(keys, kind="stable")
        unique, first, counts = np.unique(keys[order], return_index=True, return_counts=True)
        numbers = np.empty(len(keys), dtype=np.int64)
        for key, at, count in zip(unique.tolist(), first.tolist(), counts.tolist(), strict=True):
            counter = (int(self.area_ids[key // 10_000]), key % 10_000)
            last = self.sequences.get(counter, 0)
            numbers[order[at : at + count]] = np.arange(last + 1, last + count + 1)
            self.sequences[counter] = last + count
        return numbers

    def _review_bookkeeping(
        self, case: dict, case_ids: np.ndarray, is_open: np.ndarray, next_review: np.ndarray, reviewed: np.ndarray
    ) -> list[Rows]:
        """When each open case's next review falls due and its cycle so far: review_schedules rows
        where that table exists, the case row's own columns before it."""
        table = review_schedule_table()
        cycle = reviewed.astype(np.int64)
        if table is None:
            case["next_review_at"] = Stamps(next_review, missing=~is_open)
            case["review_sequence"] = Ints(cycle)
            case["overdue"] = Same(False)
            case["missed_reviews"] = Same(0)
            return []
        rows = {
            "case_id": Ints(case_ids[is_open]),
            "next_review_at": Stamps(next_review[is_open]),
            "cycle": Ints(cycle[is_open]),
            "overdue": Same(False),
            "missed_cycles": Same(0),
        }
        return [Rows(table, int(is_open.sum()), rows)]

    def _audit(self, case_ids, created, manager, level, suggested, reference: Text) -> list[Rows]:
        """A created event per case, then a decision for each levelled one (ids after the batch's
        created events, so each case's history reads in order)."""
        n = len(case_ids)
        picked = np.flatnonzero(level > 0)
        ids = np.arange(self.ids[AuditEvent], self.ids[AuditEvent] + n + len(picked))
        self.ids[AuditEvent] += len(ids)
        self.counts["audit_events"] += len(ids)
        created_events = {
            "id": Ints(ids[:n]),
            "at": Stamps(created),
            "actor_id": Choice(manager, self.users),
            "action": Same("case.created"),
            "object_type": Same("case"),
            "object_id": Text("%d", (Ints(case_ids),)),
            "case_id": Ints(case_ids),
            "audience": Same(None),
            "before": Same(None),
            "after": Text('{"reference": "%s-%d-%05d", "state": "new"}', reference.parts, json=True),
        }
        decisions = [{"level": lv, "suggested_level": sg} for lv in LEVELS for sg in LEVELS]
        decision_events = {
            "id": Ints(ids[n:]),
            "at": Stamps(created[picked] + 4 * 3600),
            "actor_id": Choice(manager[picked], self.users),
            "action": Same("case.decision"),
            "object_type": Same("case"),
            "object_id": Text("%d", (Ints(case_ids[picked]),)),
            "case_id": Ints(case_ids[picked]),
            "audience": Same(None),
            "before": Same({"level": None}),
            "after": Choice(level[picked] * len(LEVELS) + suggested[picked], decisions),
        }
        return [Rows(AuditEvent.__table__, n, created_events), Rows(AuditEvent.__table__, len(picked), decision_events)]

    def _tasks_and_clocks(self, case_ids, created, updated, level, owner_org, is_open, interval, category, area):
        """A task for the case's owning organisation at levels one and three, and the deadline
        clocks still running on open cases: first response while untriaged, accepting an offered
        task, completing an accepted one."""
        rng = self.rng
        picked = np.flatnonzero(((level == 1) | (level == 3)) & (owner_org > 0))
        count = len(picked)
        task_ids = np.arange(self.ids[Task], self.ids[Task] + count)
        self.ids[Task] += count
        self.counts["tasks"] += count
        open_task = is_open[picked]
        # offered, offered, accepted, in progress while the case is open; done once it is closed
        task_state = np.where(open_task, np.array([0, 0, 1, 2])[rng.integers(0, 4, count)], 3)
        tasks = {
            "id": Ints(task_ids),
            "case_id": Ints(case_ids[picked]),
            "organisation_id": Choice(owner_org[picked], self.organisations),
            "role": Choice((level[picked] == 3).astype(np.int8), ("frontline", "lead")),
            "state": Choice(task_state, TASK_STATES),
            "due_at": Stamps(created[picked] + interval[picked]),
            "created_at": Stamps(created[picked]),
            "updated_at": Stamps(updated[picked]),
            "version": Same(1),
        }
        batch = [Rows(Task.__table__, count, tasks)]
        untriaged = np.flatnonzero(is_open & (level == 0))
        running = np.flatnonzero(open_task)
        kinds: list[tuple[str, np.ndarray, np.ndarray | None]] = [(FIRST_RESPONSE, untriaged, None)]
        kinds.append(
            (TASK_ACCEPT, picked[running[task_state[running] == 0]], task_ids[running[task_state[running] == 0]])
        )
        kinds.append(
            (TASK_COMPLETE, picked[running[task_state[running] > 0]], task_ids[running[task_state[running] > 0]])
        )
        for kind, cases, tasks_of in kinds:
            batch.append(self._clocks(kind, cases, tasks_of, case_ids, created, level, category, owner_org, area))
        return batch

    def _clocks(self, kind, cases, task_ids, case_ids, created, level, category, owner_org, area) -> Rows:
        count = len(cases)
        ids = np.arange(self.ids[Clock], self.ids[Clock] + count)
        self.ids[Clock] += count
        self.counts["clocks"] += count
        per_task = task_ids is not None
        organisation = owner_org[cases] if per_task else np.zeros(count, dtype=np.int64)
        clock_level = np.where(level[cases] > 0, level[cases], self.default_levels[category[cases]])
        days = self._target_days(kind, clock_level, category[cases], organisation)
        started = created[cases] + (4 * 3600 if per_task else 0)
        warning = self.policy.deadline_warning_days
        due = _working_days_later(started, days)
        warn = _working_days_later(started, np.maximum(days - warning, 0))
        no_warning = (days <= warning) | (warning <= 0)
        rows = {
            "id": Ints(ids),
            "kind": Same(kind),
            "case_id": Ints(case_ids[cases]),
            "task_id": Ints(task_ids) if per_task else Same(None),
            "organisation_id": Choice(organisation, self.organisations),
            "area_id": Choice(area[cases], self.area_ids.tolist()),
            "level": Choice(clock_level, LEVELS),
            "target_working_days": Ints(days),
            "started_at": Stamps(started),
            "due_at": Stamps(due),
            "warn_at": Stamps(warn, missing=no_warning),
            # As if the sweep had been running all along: a warning or breach already past was
            # recorded when it fell due, not left for the next sweep to find by the hundred thousand.
            "warned_at": Stamps(warn, missing=no_warning | (warn > self.now_s)),
            "breached_at": Stamps(due, missing=due > self.now_s),
            "paused_seconds": Same(0),
            "cancelled": Same(False),
        }
        return Rows(Clock.__table__, count, rows)

    def _target_days(self, kind: str, level: np.ndarray, category: np.ndarray, organisation: np.ndarray):
        """Each clock's target in working days, picked as the service picks it (services/targets.py),
        once per combination; a kind with no target gets the review interval's."""
        keys = (level * 1_000 + category) * 1_000 + organisation
        unique, inverse = np.unique(keys, return_inverse=True)
        days = []
        for key in unique.tolist():
            lv, cat, org = key // 1_000_000, key // 1_000 % 1_000, key % 1_000
            found = pick_target(
                self.targets,
                kind,
                level=int(lv),
                category_id=int(self.category_ids[cat]),
                organisation_id=self.organisations[org],
            )
            days.append(found if found is not None else self.policy.review_interval(int(lv)))
        return np.array(days, dtype=np.int64)[inverse.reshape(-1)]

    def _notes(self, case_ids, manager, updated) -> Rows:
        picked = np.flatnonzero(self.rng.random(len(case_ids)) < 0.5)
        count = len(picked)
        ids = np.arange(self.ids[CaseNote], self.ids[CaseNote] + count)
        self.ids[CaseNote] += count
        self.counts["notes"] += count
        rows = {
            "id": Ints(ids),
            "case_id": Ints(case_ids[picked]),
            "author_id": Choice(manager[picked], self.users),
            "body": Same("Visited; spoke to residents."),
            "visibility": Choice(self.rng.integers(0, len(VISIBILITIES), count), VISIBILITIES),
            "created_at": Stamps(updated[picked]),
        }
        return Rows(CaseNote.__table__, count, rows)

    def _reviews(self, case_ids, reviewed, closed, created, updated, interval, manager) -> Rows:
        picked = np.flatnonzero(reviewed)
        count = len(picked)
        ids = np.arange(self.ids[Review], self.ids[Review] + count)
        self.ids[Review] += count
        self.counts["reviews"] += count
        decided = closed[picked] | (self.rng.random(count) < 0.6)
        rows = {
            "id": Ints(ids),
            "case_id": Ints(case_ids[picked]),
            "sequence": Same(1),
            "due_at": Stamps(created[picked] + interval[picked]),
            "created_at": Stamps(updated[picked]),
            "overdue": Same(False),
            "state": Choice(decided.astype(np.int8), ("pending", "decided")),
            "outcome": Choice(decided.astype(np.int8), (None, "continue")),
            "decided_by_id": Choice(np.where(decided, manager[picked], 0), self.users),
            "decided_at": Stamps(updated[picked], missing=~decided),
        }
        return Rows(Review.__table__, count, rows)

    def _money(self, case_ids, area, level, created, updated, manager) -> list[Rows]:
        """Quick-win spends on a few cases at levels one to three (the budgets are set to cover them
        at the end), cost-avoided claims with one outcome on a few at levels two and three."""
        rng = self.rng
        n = len(case_ids)
        spending = np.flatnonzero((level >= 1) & (level <= 3) & (rng.random(n) < 0.03))
        count = len(spending)
        ids = np.arange(self.ids[Spend], self.ids[Spend] + count)
        self.ids[Spend] += count
        self.counts["spends"] += count
        amounts = np.array([5_000, 12_500, 25_000, 40_000])[rng.integers(0, 4, count)]
        day = created[spending] // DAY
        months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        year = months // 12 + 1970
        financial_year = np.where(months % 12 >= 3, year, year - 1)  # the year it starts in (domain/money.py)
        for at, year_of, amount in zip(area[spending].tolist(), financial_year.tolist(), amounts.tolist(), strict=True):
            budget_key = (int(self.area_ids[at]), year_of)
            self.spent[budget_key] = self.spent.get(budget_key, 0) + amount
        spends = {
            "id": Ints(ids),
            "area_id": Choice(area[spending], self.area_ids.tolist()),
            "year": Ints(financial_year),
            "case_id": Ints(case_ids[spending]),
            "kind": Same("spend"),
            "amount_pence": Ints(amounts),
            "description": Same("Quick win"),
            "supplier": Same("Contractor"),
            "spent_on": Days(day),
            "created_by_id": Choice(manager[spending], self.users),
            "created_at": Stamps(created[spending]),
        }
        claiming = np.flatnonzero(((level == 2) | (level == 3)) & (rng.random(n) < 0.01))
        count = len(claiming)
        claim_ids = np.arange(self.ids[CostAvoidedClaim], self.ids[CostAvoidedClaim] + count)
        outcome_ids = np.arange(self.ids[ClaimOutcome], self.ids[ClaimOutcome] + count)
        self.ids[CostAvoidedClaim] += count
        self.ids[ClaimOutcome] += count
        self.counts["claims"] += count
        gross = Ints(np.array([100_000, 250_000, 2_590_000])[rng.integers(0, 3, count)])
        verified = rng.random(count) < 0.5
        claims = {
            "id": Ints(claim_ids),
            "case_id": Ints(case_ids[claiming]),
            "state": Choice(verified.astype(np.int8), ("estimated", "verified")),
            **dict.fromkeys(("gross_pence", "adjusted_pence", "low_pence", "high_pence", "net_pence"), gross),
            "quick_win_pence": Same(0),
            "other_costs_pence": Same(0),
            "created_by_id": Choice(manager[claiming], self.users),
            "created_at": Stamps(updated[claiming]),
            "updated_at": Stamps(updated[claiming]),
            "decided_by_id": Choice(np.where(verified, manager[claiming], 0), self.users),
            "decided_at": Stamps(updated[claiming], missing=~verified),
            "version": Same(1),
        }
        outcomes = {
            "id": Ints(outcome_ids),
            "claim_id": Ints(claim_ids),
            "description": Same("Outcome avoided"),
            "unit_cost_pence": gross,
            "quantity": Same(1),
            "probability": Same(Fraction(1)),
            **dict.fromkeys(("expected_pence", "adjusted_pence", "low_pence", "high_pence"), gross),
        }
        return [
            Rows(Spend.__table__, len(spending), spends),
            Rows(CostAvoidedClaim.__table__, count, claims),
            Rows(ClaimOutcome.__table__, count, outcomes),
        ]

    def finish(self, session: Session, *, analysed: bool = False) -> dict[str, int]:
        """Reference counters, budgets that cover the spend, id sequences and planner statistics
        (of the loaded tables too, unless already `analysed`: a bulk load refreshes them itself)."""
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
            for model in ID_TABLES:
                table = model.__tablename__
                # Past the last id copied in, whatever the sequence had handed out before.
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT COALESCE(MAX(id), 1) FROM {table}), :next - 1))"
                    ),
                    {"next": self.ids[model]},
                )
        loaded = [] if analysed else self.tables()
        for table in (*loaded, CaseSequence.__tablename__, BudgetAllocation.__tablename__):
            session.execute(text(f"ANALYZE {table}"))
        return dict(self.counts)


def _take(part, at: np.ndarray):
    return Ints(part.values[at]) if isinstance(part, Ints) else Choice(part.codes[at], part.options)


def _working_days_later(start: np.ndarray, days: np.ndarray) -> np.ndarray:
    """`days` working days (Monday to Friday) after each start, at the same time of day."""
    start_day = start // DAY
    later = np.busday_offset(start_day.astype("datetime64[D]"), days, roll="forward")
    return later.astype(np.int64) * DAY + start % DAY


def start(session: Session, *, now: datetime, policy: Policy, seed: int = 2011) -> SyntheticData:
    """Read the reference data and where each table's ids and counters stand; refuses an unseeded database."""
    areas = session.execute(select(Area.id, Area.code).order_by(Area.id)).all()
    wards = session.execute(select(Ward.id, Ward.area_id).order_by(Ward.id)).all()
    categories = list(
        session.execute(
            select(
                Category.id,
                Category.default_level,
                Category.frontline_organisation_id,
                Category.lead_organisation_id,
                Category.similarity,
            ).order_by(Category.id)
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
    ids = {model: (session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1 for model in ID_TABLES}
    sequences = {
        (area_id, year): last
        for area_id, year, last in session.execute(
            select(CaseSequence.area_id, CaseSequence.year, CaseSequence.last_value)
        )
    }
    area_index = {area_id: i for i, (area_id, _) in enumerate(areas)}
    weights = np.array([AREA_WEIGHTS.get(code, 16) for _, code in areas], dtype=float)
    return SyntheticData(
        rng=np.random.default_rng(seed),
        now=now,
        policy=policy,
        area_ids=np.array([area_id for area_id, _ in areas]),
        area_codes=[code for _, code in areas],
        area_weights=weights / weights.sum(),
        managers=np.array([managers.get(area_id, any_user) for area_id, _ in areas]),
        ward_ids=np.array([ward.id for ward in wards]),
        ward_areas=np.array([area_index[ward.area_id] for ward in wards]),
        categories=categories,
        borough=borough,
        targets=targets.rows(session),
        ids=ids,
        sequences=sequences,
    )
