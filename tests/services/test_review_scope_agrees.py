"""The SQL that scopes the reviews a principal lists and decides (tasking/services/access.py,
`review_scope`) selects exactly the cases the permissions table's "review.decide" predicate allows:
area staff their areas', a partner the cases its organisation owns, the borough officer level-four
ones (and those they own), admins all; nobody else any.

Over a grid of cases: in two areas, confidential or not, level none or 1 to 4, owned by nobody,
by the user or by someone else, and owned by no organisation, the partner's or another. The
comparison runs in the database, so SQL's NULLs are judged as the database judges them."""

from datetime import datetime, timezone
from itertools import product

import pytest
from sqlalchemy import select

from tasking.domain.permissions import can
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.models import Case, Category, Organisation, Ward
from tasking.services.access import case_target, review_scope
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
WARDS = ("pleck", "streetly")  # South Walsall (SW), Aldridge and Beacon (AB)
ORGANISATIONS = ("whg", "highways")

USERS = {
    "admin": ("admin", {}),
    "manager": ("area_manager", {"areas": ["SW"]}),
    "support officer with no areas": ("support_officer", {}),
    "councillor": ("councillor", {"wards": ["pleck"]}),
    "partner": ("partner", {"organisation": "whg"}),
    "partner of another organisation": ("partner", {"organisation": "highways"}),
    "finance": ("finance", {}),
    "borough officer": ("borough_officer", {}),
}


@pytest.fixture
def grid(session, make_user):
    users = {name: make_user(role, **kwargs) for name, (role, kwargs) in USERS.items()}
    wards = {w.code: w for w in session.scalars(select(Ward).where(Ward.code.in_(WARDS)))}
    organisations = [None, *session.scalars(select(Organisation.id).where(Organisation.code.in_(ORGANISATIONS)))]
    category = session.scalar(select(Category).limit(1))
    owners = [None, users["borough officer"].id, users["manager"].id]
    with unit_of_work(session):
        for n, (ward, confidential, level, owner, organisation) in enumerate(
            product(WARDS, (False, True), (None, 1, 2, 3, 4), owners, organisations)
        ):
            session.add(
                Case(
                    reference=f"RGRID-{n:05d}",
                    title="Grid",
                    description="A case of the review grid.",
                    category_id=category.id,
                    ward_id=wards[ward].id,
                    area_id=wards[ward].area_id,
                    source="staff",
                    state="assigned",
                    level=level,
                    confidential=confidential,
                    owner_user_id=owner,
                    owner_organisation_id=organisation,
                    created_at=NOW,
                    updated_at=NOW,
                    # A levelled case has an owner; one nobody owns waits with a routing reason.
                    routing_reason=None if owner or organisation or level is None else "Grid case with no owner.",
                )
            )
    cases = list(session.scalars(select(Case).where(Case.reference.like("RGRID-%"))))
    assert len(cases) == len(WARDS) * 2 * 5 * len(owners) * len(organisations)
    return users, cases


def test_the_sql_review_scope_selects_exactly_what_the_table_allows(session, grid):
    users, cases = grid
    principals = {name: principal_for(user) for name, user in users.items()}
    # No user is a partner without an organisation; a principal can be, and decides for nothing.
    principals["partner with no organisation"] = Principal(users["partner"].id, Role.PARTNER)
    decides = {}
    for name, principal in principals.items():
        by_sql = set(session.scalars(select(Case.id).where(Case.reference.like("RGRID-%"), review_scope(principal))))
        by_table = {c.id for c in cases if can(principal, "review.decide", case_target(c))}
        assert by_sql == by_table, (
            f"{name}: SQL only {sorted(by_sql - by_table)[:5]}, table only {sorted(by_table - by_sql)[:5]}"
        )
        decides[name] = len(by_sql)
    assert decides["admin"] == len(cases)
    for nobody in ("councillor", "finance", "support officer with no areas", "partner with no organisation"):
        assert decides[nobody] == 0, nobody
    # Each partner decides for the cases its own organisation owns, a third of the grid.
    assert decides["partner"] == decides["partner of another organisation"] == len(cases) // 3
    assert decides["manager"] == len(cases) // 2
    assert 0 < decides["borough officer"] < decides["manager"]
