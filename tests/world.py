"""A small borough of people and objects, each request in it undone afterwards.

The authorization matrix and the contract fuzzing both need every role, and objects each role owns
and does not own, and both send requests that change things. Building the world once and running
each request inside a savepoint that is rolled back keeps every cell independent of the others
without rebuilding the world a thousand times. The app itself is unchanged: only the connection its
session uses is one that the test holds in an open transaction.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, event, update
from sqlalchemy.orm import scoped_session, sessionmaker

from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import ReviewSchedule
from tasking.services import follow_ups, open311_clients, sweep, tokens, users
from tasking.unit_of_work import unit_of_work

# The ten columns of the matrix: who is asking.
ROLES = {
    "anon": None,
    "cllr": ("councillor", {"ward_codes": ["pleck"]}),
    "pA": ("partner", {"organisation_code": "whg"}),
    "pB": ("partner", {"organisation_code": "caldmore-housing"}),
    "supp": ("support_officer", {"area_codes": ["SW"]}),
    "mgr": ("area_manager", {"area_codes": ["SW"]}),
    "mgrX": ("area_manager", {"area_codes": ["AB"]}),
    "fin": ("finance", {}),
    "boro": ("borough_officer", {}),
    "admin": ("admin", {}),
}


@dataclass
class Objects:
    """One side of the borough: 'here' is South Walsall (Pleck, the councillor's ward, partner A's
    task, a level-2 case); 'there' is Aldridge and Beacon (Streetly, partner B's task, a level-4
    case, the borough officer's)."""

    area: str
    case: dict
    other_case: dict
    task: int
    spend: int
    claim: int
    review: int
    values: dict = field(default_factory=dict)

    def fill(self, template: str) -> str:
        return template.format(
            case=self.case["id"],
            ref=self.case["reference"],
            task=self.task,
            spend=self.spend,
            claim=self.claim,
            review=self.review,
            area=self.area,
            **self.values,
        )


def _sqlite_savepoints(engine) -> None:
    """pysqlite starts transactions lazily and so breaks SAVEPOINT; let SQLAlchemy issue BEGIN."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


class Isolated:
    """The app's session, bound for the test to one connection inside a transaction that is never
    committed; `undone()` wraps a request in a savepoint rolled back at its end."""

    def __init__(self, app, monkeypatch: "pytest.MonkeyPatch"):
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_savepoints(self.engine)
        self.connection = self.engine.connect()
        self.outer = self.connection.begin()
        factory = sessionmaker(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        self.session = scoped_session(factory)
        monkeypatch.setattr(db, "session", self.session)

    @contextmanager
    def undone(self):
        # Released as well as rolled back: a savepoint only rolled back stays open, and the next one
        # would nest inside it, until thousands of open subtransactions exhaust PostgreSQL's lock table.
        self.connection.exec_driver_sql("SAVEPOINT undone")
        try:
            yield
        finally:
            self.session.remove()
            self.connection.exec_driver_sql("ROLLBACK TO SAVEPOINT undone")
            self.connection.exec_driver_sql("RELEASE SAVEPOINT undone")

    def close(self):
        self.session.remove()
        self.outer.rollback()
        self.connection.close()
        self.engine.dispose()


class World:
    def __init__(self, app, isolated: Isolated):
        self.app, self.iso = app, isolated
        self.now = datetime.now(timezone.utc)
        self.today = self.now.date()
        session = isolated.session
        self.users, self.tokens = {}, {}
        for name, spec in ROLES.items():
            if spec is None:
                continue
            role, kwargs = spec
            with unit_of_work(session):
                user = users.create_user(
                    session,
                    None,
                    email=f"{name}@matrix.example",
                    name=f"Matrix {name}",
                    role=role,
                    now=self.now,
                    **kwargs,
                )
            self.users[name] = user
            with unit_of_work(session):
                self.tokens[name] = tokens.issue_token(session, None, user, name="matrix", now=self.now).secret
        with unit_of_work(session):
            self.spare_token = tokens.issue_token(session, None, self.users["mgr"], name="spare", now=self.now)
        with unit_of_work(session):
            _client, self.open311_key = open311_clients.create_client(
                session, None, name="Matrix FixMyStreet", now=self.now
            )
        self.api = app.test_client()
        self.here = self._side("mgr", "cllr", ward="pleck", other_ward="paddock", level=2, partner="whg", area="SW")
        self.there = self._side(
            "mgrX",
            "admin",
            ward="streetly",
            other_ward="pheasey-park-farm",
            level=4,
            partner="caldmore-housing",
            area="AB",
        )
        self._make_reviews()
        self._make_follow_ups()
        self.unit_cost = self._ok(
            self.call(
                "fin",
                "POST",
                "/api/v1/unit-costs",
                json={
                    "name": "Matrix unit cost",
                    "amount_pence": 10_000,
                    "unit": "per week",
                    "source": "Matrix",
                    "year": 2026,
                },
            )
        )["id"]
        # A local holiday and a partner's own target, for the admin's removals: {holiday}, {target}.
        self.holiday = self._ok(
            self.call("admin", "POST", "/api/v1/calendar/holidays", json={"date": "2031-01-06", "name": "Matrix day"})
        )["id"]
        self.target = self._ok(
            self.call(
                "admin",
                "PUT",
                "/api/v1/targets",
                json={"kind": "task_complete", "organisation": "one-walsall", "working_days": 7},
            )
        )["id"]
        for side in (self.here, self.there):
            side.case = self._ok(self.call("admin", "GET", f"/api/v1/cases/{side.case['id']}"))
            side.values.update(
                version=side.case["version"],
                prefix=self.spare_token.token.prefix,
                unit_cost=self.unit_cost,
                open311_key=self.open311_key,
                holiday=self.holiday,
                target=self.target,
            )
        # Objects that do not exist: a caller must not be able to tell these from someone else's.
        self.missing = Objects(
            area="XX",
            case={"id": 999_999_999, "reference": "SW-2026-99999"},
            other_case=self.here.other_case,
            task=999_999_999,
            spend=999_999_999,
            claim=999_999_999,
            review=999_999_999,
            values=dict(self.here.values),
        )
        self.missing.values.update(follow_up=999_999_999, holiday=999_999_999, target=999_999_999)
        session.remove()

    # Requests ---------------------------------------------------------------------------------

    def call(self, role, method, path, *, json=None, headers=None, **kwargs):
        sent = dict(headers or {})
        if role != "anon":
            sent["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.api.open(path, method=method, json=json, headers=sent, **kwargs)

    def page_client(self, role):
        """A browser signed in as the role (no form post, so no password hashing per cell)."""
        client = self.app.test_client()
        if role != "anon":
            with client.session_transaction() as cookie:
                cookie["_user_id"] = str(self.users[role].id)
                cookie["_fresh"] = True
        return client

    @staticmethod
    def _ok(response):
        assert response.status_code < 300, (response.status_code, response.get_data(as_text=True)[:400])
        return response.get_json()

    # Building -------------------------------------------------------------------------------

    def _case(self, raiser, ward, title):
        return self._ok(
            self.call(
                raiser,
                "POST",
                "/api/v1/cases",
                json={
                    "title": title,
                    "description": "Reported for the authorization matrix.",
                    "category": "anti-social-behaviour",
                    "ward": ward,
                    "reporter": {"name": "Mrs Resident", "email": "resident@example.org", "consent": True},
                },
            )
        )

    def _side(self, manager, raiser, *, ward, other_ward, level, partner, area):
        case = self._case(raiser, ward, f"Youths gathering in {ward}")
        other = self._case(manager, other_ward, f"Earlier report in {other_ward}")
        self._ok(
            self.call(
                manager, "POST", f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "Matrix"}
            )
        )
        offered = self._ok(
            self.call(manager, "POST", f"/api/v1/cases/{case['id']}/tasks", json={"organisation": partner})
        )
        spend = self._ok(
            self.call(
                manager,
                "POST",
                f"/api/v1/cases/{case['id']}/spend",
                json={
                    "amount_pence": 2_500,
                    "description": "Lock for the bin store",
                    "spent_on": self.today.isoformat(),
                },
            )
        )
        claim = self._ok(
            self.call(
                manager,
                "POST",
                f"/api/v1/cases/{case['id']}/cost-avoided",
                json={
                    "outcomes": [
                        {"description": "Repeat call-outs avoided", "unit_cost_pence": 50_000, "probability": "0.5"}
                    ]
                },
            )
        )
        case = self._ok(self.call("admin", "GET", f"/api/v1/cases/{case['id']}"))
        return Objects(
            area=area,
            case=case,
            other_case=other,
            task=offered["id"],
            spend=spend["id"],
            claim=claim["id"],
            review=0,
            values={
                "other_ref": other["reference"],
                "other_id": other["id"],
                "other_suggested": self._ok(self.call("admin", "GET", f"/api/v1/cases/{other['id']}/classification"))[
                    "suggestion"
                ]["level"],
                "version": case["version"],
                "date": self.today.isoformat(),
                "day": self.today.day,
                "month": self.today.month,
                "year_now": self.today.year,
                "year": self.today.year if self.today.month > 3 else self.today.year - 1,
                "last_year": (self.today.year if self.today.month > 3 else self.today.year - 1) - 1,
            },
        )

    def _make_reviews(self):
        session = self.iso.session
        due = self.now - timedelta(minutes=5)
        session.execute(
            update(ReviewSchedule)
            .where(ReviewSchedule.case_id.in_([self.here.case["id"], self.there.case["id"]]))
            .values(next_review_at=due)
        )
        session.commit()
        sweep.sweep(session, units=lambda: unit_of_work(session), now=self.now, policy=Policy())
        for side, manager in ((self.here, "mgr"), (self.there, "mgrX")):
            listed = self._ok(self.call(manager, "GET", "/api/v1/reviews"))["items"]
            side.review = next(r["id"] for r in listed if r["case"]["id"] == side.case["id"])

    def _make_follow_ups(self):
        """On each side's case a second claim, verified by finance, with its 6-month follow-up check
        pending (made by the sweep as if six months had passed): {follow_up}."""
        for side, manager in ((self.here, "mgr"), (self.there, "mgrX")):
            claim = self._ok(
                self.call(
                    manager,
                    "POST",
                    f"/api/v1/cases/{side.case['id']}/cost-avoided",
                    json={
                        "outcomes": [
                            {"description": "Follow-up outcome avoided", "unit_cost_pence": 20_000, "probability": "1"}
                        ]
                    },
                )
            )
            self._ok(self.call("fin", "POST", f"/api/v1/claims/{claim['id']}/decision", json={"decision": "verified"}))
            side.values["verified_claim"] = claim["id"]
        session = self.iso.session
        follow_ups.create_due(
            session, units=lambda: unit_of_work(session), now=self.now + timedelta(days=200), policy=Policy()
        )
        listed = self._ok(self.call("fin", "GET", "/api/v1/follow-ups"))["items"]
        for side in (self.here, self.there):
            side.values["follow_up"] = next(f["id"] for f in listed if f["claim_id"] == side.values["verified_claim"])


@contextmanager
def isolated_world(app, *, csrf: bool = True):
    """The world, for as long as the block lasts; nothing it or its requests wrote survives."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        if not csrf:
            monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        isolated = Isolated(app, monkeypatch)
        try:
            yield World(app, isolated)
        finally:
            isolated.close()
