"""The permissions table (tasking/domain/permissions.py, docs/roles.md): every role's cell for
every action, each scope at its edges (area, ward, organisation, confidentiality, ownership,
level), and what `can`, `require` and the table's views answer."""

import pytest

from tasking.domain.errors import Forbidden
from tasking.domain.permissions import (
    PERMISSIONS,
    Scope,
    Target,
    actions_of,
    can,
    covers_all,
    require,
    roles_with,
    scope_of,
)
from tasking.domain.principal import Principal
from tasking.domain.roles import Role

A, M, S, C, P, F, B = (
    Role.ADMIN,
    Role.AREA_MANAGER,
    Role.SUPPORT_OFFICER,
    Role.COUNCILLOR,
    Role.PARTNER,
    Role.FINANCE,
    Role.BOROUGH_OFFICER,
)

# docs/roles.md, one row per action: the scope word of each role that may do it (the others may not).
# Partners reach cases only through their tasks, so they have no case.read cell of their own.
EXPECTED = {
    "case.read": {A: "all", M: "area", S: "area", C: "ward", F: "open", B: "l4"},
    "case.raise": {A: "all", M: "area", S: "area", C: "ward", P: "area"},
    "case.edit": {A: "all", M: "area", S: "area"},
    "case.close": {A: "all", M: "area", S: "area", P: "org", B: "l4"},
    "case.confidential": {A: "all", M: "area", S: "area"},
    "triage.read": {A: "all", M: "area", S: "area"},
    "level.read": {A: "all", M: "area", S: "area", B: "l4"},
    "triage.decide": {A: "all", M: "area", S: "area", B: "l4"},
    "case.refer": {A: "all", M: "area", S: "area", C: "ward"},
    "task.read": {A: "all", P: "org"},
    "task.act": {P: "org"},
    "task.confidential_details": {A: "all", P: "org"},
    "note.write": {A: "all", M: "area", S: "area", C: "ward"},
    "personal.read": {A: "all", M: "area", S: "area"},
    "budget.read": {A: "all", M: "area", S: "area", F: "all", B: "all"},
    "budget.spend": {M: "area"},
    "budget.allocate": {A: "all"},
    "claim.read": {A: "all", M: "area", S: "area", C: "ward", F: "all", B: "l4"},
    "claim.write": {A: "all", M: "area", S: "area"},
    "claim.decide": {F: "all"},
    "follow_up.decide": {F: "all"},
    "unit_cost.write": {A: "all", F: "all"},
    "unit_cost.read": {A: "all", M: "all", S: "all", F: "all", B: "all"},
    "review.decide": {A: "all", M: "area", S: "area", P: "org", B: "l4"},
    "report.value": {A: "all", M: "area", S: "area", F: "all", B: "all"},
    "report.capacity": {A: "all", M: "area", S: "area", B: "all"},
    "barrier.read": {A: "all", M: "all", S: "all", F: "all", B: "all"},
    "barrier.write": {A: "all", M: "all", S: "all", B: "all"},
    "token.manage": {A: "all"},
    # docs/deadlines.md: the calendar and targets for all to read, admins to change; holds and exceptions.
    "calendar.read": {A: "all", M: "all", S: "all", C: "all", P: "all", F: "all", B: "all"},
    "calendar.manage": {A: "all"},
    "target.read": {A: "all", M: "all", S: "all", C: "all", P: "all", F: "all", B: "all"},
    "target.manage": {A: "all"},
    "case.wait": {A: "all", M: "area", S: "area"},
    "report.exceptions": {A: "all", M: "area", S: "area", P: "org", B: "all"},
    "console.use": {A: "all", M: "area", S: "area"},
    "place.filter": {A: "all", M: "area", S: "area", C: "ward", F: "all", B: "all"},
    "request.raise": {C: "ward"},
    # docs/roles.md, "Note audiences": who reads (and so may write) a note for each audience.
    "note.internal": {A: "all", M: "all", S: "all", F: "all", B: "all"},
    "note.partners": {A: "all", M: "all", S: "all", F: "all", B: "all", P: "all"},
    "note.councillor": {A: "all", M: "all", S: "all", F: "all", B: "all", P: "all", C: "all"},
    "note.public": {A: "all", M: "all", S: "all", F: "all", B: "all", P: "all", C: "all"},
}
CELLS = [(action, role) for action in EXPECTED for role in Role]

USER = 7  # the acting user's id
AREA, OTHER_AREA = 10, 20
WARD, OTHER_WARD = 100, 200
ORG, OTHER_ORG = 5, 6


def who(role, *, areas=(AREA,), wards=(WARD,), organisation=ORG):
    """A user of the role with the places and organisation the role carries."""
    return Principal(
        USER,
        role,
        organisation_id=organisation if role == Role.PARTNER else None,
        area_ids=frozenset(areas) if role in (Role.AREA_MANAGER, Role.SUPPORT_OFFICER) else frozenset(),
        ward_ids=frozenset(wards) if role == Role.COUNCILLOR else frozenset(),
    )


def test_the_table_has_exactly_the_documented_actions():
    # An action added to the table needs its row here (and in docs/roles.md) before it is used.
    assert set(PERMISSIONS) == set(EXPECTED)


@pytest.mark.parametrize("action, role", CELLS)
def test_every_cell_of_the_table(action, role):
    expected = EXPECTED[action].get(role)
    assert scope_of(who(role), action) == (Scope(expected) if expected else None)
    assert can(who(role), action) is (expected is not None)


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_roles_with_an_action_are_the_roles_of_its_row(action):
    assert roles_with(action) == set(EXPECTED[action])


@pytest.mark.parametrize("role", list(Role))
def test_a_roles_actions_are_its_column(role):
    column = {action: Scope(row[role]) for action, row in EXPECTED.items() if role in row}
    assert actions_of(role) == column
    assert actions_of(role.value) == column  # roles arrive from storage as strings


@pytest.mark.parametrize("role", list(Role))
def test_a_role_given_as_a_string_has_the_same_rights(role):
    as_text = Principal(USER, role.value, organisation_id=ORG if role == Role.PARTNER else None)
    for action in EXPECTED:
        assert can(as_text, action) is can(who(role), action)


def test_an_action_missing_from_the_table_is_a_programming_error():
    for ask in (
        lambda: can(who(A), "case.delete"),
        lambda: scope_of(who(A), "case.delete"),
        lambda: roles_with("case.delete"),
    ):
        with pytest.raises(KeyError, match="No such action in the permissions table: 'case.delete'"):
            ask()


# Scopes at their edges


def test_all_admits_every_target():
    admin = who(A)
    for target in (Target(), Target(area_id=OTHER_AREA, confidential=True), Target(organisation_id=OTHER_ORG, level=4)):
        assert can(admin, "case.read", target) and can(admin, "case.edit", target)


@pytest.mark.parametrize("role", [M, S])
def test_area_admits_the_users_areas_only(role):
    staff = who(role, areas=(AREA, 11))
    assert can(staff, "case.edit", Target(area_id=AREA))
    assert can(staff, "case.edit", Target(area_id=11, confidential=True))
    assert not can(staff, "case.edit", Target(area_id=OTHER_AREA))
    assert not can(staff, "case.edit", Target())  # an object in no area
    assert not can(who(role, areas=()), "case.edit", Target(area_id=AREA))


def test_ward_admits_the_councillors_wards_and_their_own_confidential_cases():
    councillor = who(C, wards=(WARD,))
    assert can(councillor, "case.read", Target(area_id=AREA, ward_id=WARD))
    assert not can(councillor, "case.read", Target(area_id=AREA, ward_id=OTHER_WARD))
    assert not can(councillor, "case.read", Target(ward_id=WARD, confidential=True))
    assert not can(councillor, "case.read", Target(ward_id=WARD, confidential=True, owner_user_id=USER + 1))
    assert can(councillor, "case.read", Target(ward_id=WARD, confidential=True, owner_user_id=USER))
    # owning a case in another ward does not bring it into scope
    assert not can(councillor, "case.read", Target(ward_id=OTHER_WARD, owner_user_id=USER))


def test_org_admits_the_partners_own_organisation_only():
    partner = who(P, organisation=ORG)
    assert can(partner, "task.act", Target(organisation_id=ORG))
    assert not can(partner, "task.act", Target(organisation_id=OTHER_ORG))
    assert not can(partner, "task.act", Target())


def test_a_partner_without_an_organisation_may_do_nothing():
    orphan = Principal(USER, Role.PARTNER)
    assert scope_of(orphan, "task.read") is None
    assert not can(orphan, "task.read")
    assert not can(orphan, "task.act", Target(organisation_id=None))
    assert not covers_all(orphan, "task.read")


def test_open_admits_what_is_not_confidential_and_what_the_user_owns():
    finance = who(F)
    assert can(finance, "case.read", Target(area_id=OTHER_AREA))
    assert not can(finance, "case.read", Target(confidential=True))
    assert not can(finance, "case.read", Target(confidential=True, owner_user_id=USER + 1))
    assert can(finance, "case.read", Target(confidential=True, owner_user_id=USER))
    # Claims are not cases: finance reads and decides them whatever the case's confidentiality.
    assert can(finance, "claim.decide", Target(confidential=False))
    assert can(finance, "claim.decide", Target(confidential=True))
    assert can(finance, "claim.read", Target(confidential=True, owner_user_id=USER + 1))


def test_l4_admits_open_level_four_cases_and_what_the_user_owns():
    borough = who(B)
    assert can(borough, "case.read", Target(level=4))
    assert not can(borough, "case.read", Target(level=3))
    assert not can(borough, "case.read", Target(level=None))
    assert not can(borough, "case.read", Target(level=4, confidential=True))
    assert can(borough, "case.read", Target(level=4, confidential=True, owner_user_id=USER))
    assert can(borough, "case.read", Target(level=2, owner_user_id=USER))
    assert not can(borough, "case.read", Target(level=2, owner_user_id=USER + 1))


# covers_all and require


@pytest.mark.parametrize(
    "role, action, everything",
    [
        (A, "case.read", True),
        (M, "case.read", False),
        (F, "budget.read", True),
        (F, "case.read", False),
        (B, "report.value", True),
        (C, "budget.read", False),  # no cell at all
    ],
)
def test_covers_all_is_the_all_scope_only(role, action, everything):
    assert covers_all(who(role), action) is everything


def test_require_lets_an_allowed_action_through():
    assert require(who(M), "case.edit", Target(area_id=AREA)) is None
    assert require(who(M), "budget.spend") is None


def test_require_refuses_with_a_sentence_naming_the_action():
    with pytest.raises(Forbidden) as refused:
        require(who(S), "budget.spend")
    assert str(refused.value) == "You may not do this (budget.spend)."
    assert refused.value.code == "forbidden"


def test_require_refuses_a_target_out_of_scope_with_the_callers_message():
    with pytest.raises(Forbidden) as refused:
        require(who(M), "case.edit", Target(area_id=OTHER_AREA), "Only the area's staff may change this case.")
    assert str(refused.value) == "Only the area's staff may change this case."
