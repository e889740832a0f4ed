"""The SQL that scopes every case query (tasking/services/access.py, `case_scope`) selects exactly the
cases the permissions table's "case.read" predicate allows (tasking/domain/permissions.py).

For every role, and for the boundaries of each (staff of another area, a councillor of another ward,
staff with no areas, a councillor with no wards, a partner), over a grid of cases: in the user's
ward, in another ward of the same area, in another area; confidential or not; level none or 1 to 4;
owned by nobody, by the user, or by someone else. The comparison runs in the database, so SQL's
NULLs (a case with no level, no owner) are judged as the database judges them.
"""

from datetime import datetime, timezone
from itertools import product

import pytest
from sqlalchemy import select

from tasking.domain.permissions import can
from tasking.models import Case, Category, Ward
from tasking.services.access import case_scope, case_target, claim_scope
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
WARDS = (
    "pleck",
    "paddock",
    "streetly",
)  # pleck and paddock in South Walsall (SW), streetly in Aldridge and Beacon (AB)

USERS = {
    "admin": ("admin", {}),
    "manager": ("area_manager", {"areas": ["SW"]}),
    "manager of another area": ("area_manager", {"areas": ["AB"]}),
    "manager of two areas": ("area_manager", {"areas": ["SW", "AB"]}),
    "support officer": ("support_officer", {"areas": ["SW"]}),
    "support officer with no areas": ("support_officer", {}),
    "councillor": ("councillor", {"wards": ["pleck"]}),
    "councillor of another ward": ("councillor", {"wards": ["streetly"]}),
    "councillor with no wards": ("councillor", {}),
    "partner": ("partner", {"organisation": "whg"}),
    "finance": ("finance", {}),
    "borough officer": ("borough_officer", {}),
}


@pytest.fixture
def grid(session, make_user):
    users = {name: make_user(role, **kwargs) for name, (role, kwargs) in USERS.items()}
    wards = {w.code: w for w in session.scalars(select(Ward).where(Ward.code.in_(WARDS)))}
    category = session.scalar(select(Category).limit(1))
    owners = [None, *(u.id for u in users.values())]
    with unit_of_work(session):
        for n, (ward, confidential, level, owner) in enumerate(
            product(WARDS, (False, True), (None, 1, 2, 3, 4), owners)
        ):
            session.add(
                Case(
                    reference=f"GRID-{n:05d}",
                    title="Grid",
                    description="A case of the grid.",
                    category_id=category.id,
                    ward_id=wards[ward].id,
                    area_id=wards[ward].area_id,
                    source="staff",
                    state="new",
                    level=level,
                    confidential=confidential,
                    owner_user_id=owner,
                    created_at=NOW,
                    updated_at=NOW,
                    # A levelled case has an owner; one no user owns waits with a routing reason.
                    routing_reason=None if owner or level is None else "Grid case with no owner.",
                )
            )
    cases = list(session.scalars(select(Case).where(Case.reference.like("GRID-%"))))
    assert len(cases) == len(WARDS) * 2 * 5 * len(owners)
    return users, cases


def test_the_sql_scope_selects_exactly_what_the_table_allows(session, grid):
    users, cases = grid
    seen_by = {}
    for name, user in users.items():
        principal = principal_for(user)
        by_sql = set(session.scalars(select(Case.id).where(Case.reference.like("GRID-%"), case_scope(principal))))
        by_table = {c.id for c in cases if can(principal, "case.read", case_target(c))}
        assert by_sql == by_table, (
            f"{name}: SQL only {sorted(by_sql - by_table)[:5]}, table only {sorted(by_table - by_sql)[:5]}"
        )
        seen_by[name] = len(by_sql)
    # The grid reaches every side of every scope: nobody sees all or nothing unless their role says so.
    assert seen_by["admin"] == len(cases)
    assert seen_by["partner"] == seen_by["councillor with no wards"] == seen_by["support officer with no areas"] == 0
    assert 0 < seen_by["manager"] < seen_by["manager of two areas"]
    assert seen_by["manager"] + seen_by["manager of another area"] == seen_by["manager of two areas"]
    assert 0 < seen_by["councillor"] < seen_by["manager"]
    assert 0 < seen_by["borough officer"] < seen_by["finance"] < len(cases)


def test_the_claim_scope_selects_exactly_what_the_claim_read_row_allows(session, grid):
    """`claim_scope` is the "claim.read" row as SQL: finance reads the claims of every case,
    confidential ones included, although it opens only the open cases; the others read the claims of
    the cases they read."""
    users, cases = grid
    seen_by = {}
    for name, user in users.items():
        principal = principal_for(user)
        by_sql = set(session.scalars(select(Case.id).where(Case.reference.like("GRID-%"), claim_scope(principal))))
        by_table = {c.id for c in cases if can(principal, "claim.read", case_target(c))}
        assert by_sql == by_table, (
            f"{name}: SQL only {sorted(by_sql - by_table)[:5]}, table only {sorted(by_table - by_sql)[:5]}"
        )
        cases_read = set(session.scalars(select(Case.id).where(Case.reference.like("GRID-%"), case_scope(principal))))
        seen_by[name] = (len(by_sql), by_sql == cases_read)
    assert seen_by["finance"] == (len(cases), False)  # every claim, though not every case
    assert seen_by["admin"] == (len(cases), True)
    assert seen_by["partner"] == (0, True)
    for name in ("manager", "support officer", "councillor", "borough officer", "councillor of another ward"):
        assert seen_by[name][1], f"{name} reads the claims of exactly the cases they read"
