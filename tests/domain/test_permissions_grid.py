"""The permissions table (tasking/domain/permissions.py), row by row and role by role, with no app and
no database, over a grid of targets (tests/domain/test_permissions_table.py checks the same table
scope by scope at its edges).

EXPECTED below is the table written out again by hand, in the words of docs/roles.md; every cell is
checked three ways: the scope the table gives the role, whether the role may do the action at all,
and the answer for each target of a grid (own area and another, own ward and another, confidential
or not, levels 1 to 4 and none, owned by the user, by someone else or by nobody, the user's
organisation and another). The named tests after it spell out the boundaries one by one: staff of
another area, a councillor of another ward, confidential cases, a partner of another organisation,
the admin, and each half of every `and` and `or` in the scopes.
"""

from itertools import product

import pytest

from tasking.domain.errors import Forbidden
from tasking.domain.permissions import (
    PERMISSIONS,
    Scope,
    Target,
    _admits,
    actions_of,
    can,
    covers_all,
    require,
    roles_with,
    scope_of,
)
from tasking.domain.principal import Principal
from tasking.domain.roles import Role

# fmt: off
EXPECTED_TEXT = """
action                    admin area_manager support_officer councillor partner finance borough_officer
case.read                 all   area         area            ward       -       open    l4
case.raise                all   area         area            ward       area    -       -
case.edit                 all   area         area            -          -       -       -
case.close                all   area         area            -          org     -       l4
case.confidential         all   area         area            -          -       -       -
triage.read               all   area         area            -          -       -       -
level.read                all   area         area            -          -       -       l4
triage.decide             all   area         area            -          -       -       l4
case.refer                all   area         area            ward       -       -       -
task.read                 all   -            -               -          org     -       -
task.act                  -     -            -               -          org     -       -
task.confidential_details all   -            -               -          org     -       -
note.write                all   area         area            ward       -       -       -
personal.read             all   area         area            -          -       -       -
budget.read               all   area         area            -          -       all     all
budget.spend              -     area         -               -          -       -       -
budget.allocate           all   -            -               -          -       -       -
claim.read                all   area         area            ward       -       all     l4
claim.write               all   area         area            -          -       -       -
claim.decide              -     -            -               -          -       all     -
follow_up.decide          -     -            -               -          -       all     -
unit_cost.write           all   -            -               -          -       all     -
review.decide             all   area         area            -          org     -       l4
report.value              all   area         area            -          -       all     all
report.capacity           all   area         area            -          -       -       all
barrier.read              all   all          all             -          -       all     all
barrier.write             all   all          all             -          -       -       all
token.manage              all   -            -               -          -       -       -
calendar.read             all   all          all             all        all     all     all
calendar.manage           all   -            -               -          -       -       -
target.read               all   all          all             all        all     all     all
target.manage             all   -            -               -          -       -       -
case.wait                 all   area         area            -          -       -       -
report.exceptions         all   area         area            -          org     -       all
console.use               all   area         area            -          -       -       -
place.filter              all   area         area            ward       -       all     all
unit_cost.read            all   all          all             -          -       all     all
request.raise             -     -            -               ward       -       -       -
note.internal             all   all          all             -          -       all     all
note.partners             all   all          all             -          all     all     all
note.councillor           all   all          all             all        all     all     all
note.public               all   all          all             all        all     all     all
"""
# fmt: on


def _parse(text):
    header, *rows = [line.split() for line in text.strip().splitlines()]
    roles = [Role(name) for name in header[1:]]
    return {
        row[0]: {role: (None if cell == "-" else Scope(cell)) for role, cell in zip(roles, row[1:], strict=True)}
        for row in rows
    }


EXPECTED = _parse(EXPECTED_TEXT)

ME = 1
SOMEONE_ELSE = 2
HOME_AREA, OTHER_AREA = 10, 20
HOME_WARD, NEIGHBOUR_WARD, OTHER_WARD = 100, 101, 200  # 100 and 101 in area 10, 200 in area 20
MY_ORG, OTHER_ORG = 7, 8

# One principal of each role: area staff cover area 10, the councillor ward 100, the partner is of
# organisation 7 and works in area 10.
PRINCIPALS = {
    Role.ADMIN: Principal(ME, Role.ADMIN),
    Role.AREA_MANAGER: Principal(ME, Role.AREA_MANAGER, area_ids=frozenset({HOME_AREA})),
    Role.SUPPORT_OFFICER: Principal(ME, Role.SUPPORT_OFFICER, area_ids=frozenset({HOME_AREA})),
    Role.COUNCILLOR: Principal(ME, Role.COUNCILLOR, ward_ids=frozenset({HOME_WARD})),
    Role.PARTNER: Principal(ME, Role.PARTNER, organisation_id=MY_ORG, area_ids=frozenset({HOME_AREA})),
    Role.FINANCE: Principal(ME, Role.FINANCE),
    Role.BOROUGH_OFFICER: Principal(ME, Role.BOROUGH_OFFICER),
}

PLACES = [(HOME_AREA, HOME_WARD), (HOME_AREA, NEIGHBOUR_WARD), (OTHER_AREA, OTHER_WARD), (None, None)]
GRID = [
    Target(area_id=area, ward_id=ward, organisation_id=org, owner_user_id=owner, confidential=confidential, level=level)
    for (area, ward), org, owner, confidential, level in product(
        PLACES, (MY_ORG, OTHER_ORG, None), (ME, SOMEONE_ELSE, None), (False, True), (None, 1, 2, 3, 4)
    )
]


def _allowed(scope, target):
    """The legend of docs/roles.md, for the principals above (user 1, area 10, ward 100, organisation 7)."""
    if scope is None:
        return False
    mine = target.owner_user_id == ME
    seen_despite_confidentiality = mine or not target.confidential
    return {
        "all": True,
        "area": target.area_id == HOME_AREA,
        "ward": target.ward_id == HOME_WARD and seen_despite_confidentiality,
        "org": target.organisation_id == MY_ORG,
        "open": seen_despite_confidentiality,
        "l4": mine or (target.level == 4 and not target.confidential),
    }[scope.value]


CELLS = [(action, role) for action in EXPECTED for role in Role]


def test_the_table_has_exactly_the_expected_actions():
    assert list(PERMISSIONS) == list(EXPECTED)


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r.value}" for a, r in CELLS])
def test_every_cell(action, role):
    principal, scope = PRINCIPALS[role], EXPECTED[action][role]
    assert scope_of(principal, action) == scope
    assert can(principal, action) is (scope is not None)
    assert (role in roles_with(action)) is (scope is not None)
    assert covers_all(principal, action) is (scope is Scope.ALL)
    wrong = [target for target in GRID if can(principal, action, target) is not _allowed(scope, target)]
    assert not wrong, f"{action} for {role}: wrong answers for {wrong[:3]}"


@pytest.mark.parametrize("role", list(Role))
def test_each_roles_column(role):
    assert actions_of(role) == {a: row[role] for a, row in EXPECTED.items() if row[role] is not None}
    assert actions_of(role.value) == actions_of(role)


def test_roles_with_each_action():
    for action, row in EXPECTED.items():
        assert roles_with(action) == frozenset(r for r, s in row.items() if s is not None)
        assert isinstance(roles_with(action), frozenset)


def test_the_scope_words_are_those_of_the_legend():
    assert [s.value for s in Scope] == ["all", "area", "ward", "org", "open", "l4"]


def test_a_target_knows_nothing_unless_told():
    assert Target() == Target(
        area_id=None, ward_id=None, organisation_id=None, owner_user_id=None, confidential=False, level=None
    )
    with pytest.raises(AttributeError):
        Target().area_id = 1  # frozen


# Unknown actions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: can(PRINCIPALS[Role.ADMIN], "case.reed"),
        lambda: can(PRINCIPALS[Role.ADMIN], "case.reed", Target()),
        lambda: require(PRINCIPALS[Role.ADMIN], "budget.spnd"),
        lambda: scope_of(PRINCIPALS[Role.PARTNER], "task.akt"),
        lambda: covers_all(PRINCIPALS[Role.ADMIN], "Case.read"),
        lambda: roles_with("token.manag"),
    ],
)
def test_a_misspelt_action_raises_rather_than_answering(call):
    with pytest.raises(KeyError, match="No such action in the permissions table"):
        call()


def test_the_unknown_action_is_named_and_the_lookup_error_is_not_chained():
    with pytest.raises(KeyError) as raised:
        roles_with("nope")
    assert "'nope'" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


# require --------------------------------------------------------------------------------------


def test_require_passes_silently_when_allowed():
    assert require(PRINCIPALS[Role.ADMIN], "token.manage") is None
    assert require(PRINCIPALS[Role.AREA_MANAGER], "budget.spend", Target(area_id=HOME_AREA), "no") is None


def test_require_refuses_with_the_message_given():
    with pytest.raises(Forbidden) as refused:
        require(PRINCIPALS[Role.AREA_MANAGER], "budget.spend", Target(area_id=OTHER_AREA), "Not your budget.")
    assert refused.value.message == "Not your budget."
    assert refused.value.code == "forbidden"
    assert refused.value.fields == {}


def test_require_refuses_a_role_that_may_never_act_with_the_action_named():
    with pytest.raises(Forbidden) as refused:
        require(PRINCIPALS[Role.FINANCE], "token.manage")
    assert refused.value.message == "You may not do this (token.manage)."


def test_require_checks_the_target_as_well_as_the_role():
    with pytest.raises(Forbidden):
        require(PRINCIPALS[Role.SUPPORT_OFFICER], "case.edit", Target(area_id=OTHER_AREA))
    with pytest.raises(Forbidden):
        require(PRINCIPALS[Role.SUPPORT_OFFICER], "budget.spend", Target(area_id=HOME_AREA))


# Boundaries, named ----------------------------------------------------------------------------


def test_area_staff_act_in_their_own_areas_only():
    for role in (Role.AREA_MANAGER, Role.SUPPORT_OFFICER):
        p = PRINCIPALS[role]
        assert can(p, "case.edit", Target(area_id=HOME_AREA))
        assert not can(p, "case.edit", Target(area_id=OTHER_AREA))
        assert not can(p, "case.edit", Target())
        assert can(p, "case.read", Target(area_id=HOME_AREA, confidential=True, owner_user_id=SOMEONE_ELSE))
    staff_of_another_area = Principal(ME, Role.AREA_MANAGER, area_ids=frozenset({OTHER_AREA}))
    assert not can(staff_of_another_area, "case.edit", Target(area_id=HOME_AREA))
    assert not can(staff_of_another_area, "budget.spend", Target(area_id=HOME_AREA))
    assert can(staff_of_another_area, "budget.spend", Target(area_id=OTHER_AREA))
    several = Principal(ME, Role.SUPPORT_OFFICER, area_ids=frozenset({HOME_AREA, OTHER_AREA}))
    assert can(several, "claim.write", Target(area_id=OTHER_AREA)) and can(
        several, "claim.write", Target(area_id=HOME_AREA)
    )
    no_areas = Principal(ME, Role.SUPPORT_OFFICER)
    assert can(no_areas, "triage.read") and not can(no_areas, "triage.read", Target(area_id=HOME_AREA))


def test_a_councillor_acts_in_their_own_wards_and_never_on_others_confidential_cases():
    p = PRINCIPALS[Role.COUNCILLOR]
    assert can(p, "case.read", Target(area_id=HOME_AREA, ward_id=HOME_WARD))
    assert not can(p, "case.read", Target(area_id=HOME_AREA, ward_id=NEIGHBOUR_WARD))
    assert not can(p, "case.read", Target(area_id=HOME_AREA, ward_id=HOME_WARD, confidential=True))
    assert not can(p, "case.read", Target(ward_id=HOME_WARD, confidential=True, owner_user_id=SOMEONE_ELSE))
    assert can(p, "case.read", Target(ward_id=HOME_WARD, confidential=True, owner_user_id=ME))
    assert not can(
        p, "case.read", Target(ward_id=OTHER_WARD, owner_user_id=ME)
    )  # owning is not enough outside the ward
    assert can(p, "case.raise", Target(area_id=HOME_AREA, ward_id=HOME_WARD))
    assert not can(p, "case.raise", Target(area_id=HOME_AREA))  # an area is not a ward
    assert not can(p, "case.edit")
    other_councillor = Principal(ME, Role.COUNCILLOR, ward_ids=frozenset({OTHER_WARD}))
    assert not can(other_councillor, "case.refer", Target(area_id=HOME_AREA, ward_id=HOME_WARD))
    assert can(other_councillor, "case.refer", Target(area_id=OTHER_AREA, ward_id=OTHER_WARD))


def test_confidential_cases_are_hidden_from_readers_who_see_only_open_ones_unless_they_own_them():
    for role in (Role.FINANCE, Role.BOROUGH_OFFICER):
        p = PRINCIPALS[role]
        assert not can(p, "case.read", Target(level=4, confidential=True))
        assert not can(p, "case.read", Target(level=4, confidential=True, owner_user_id=SOMEONE_ELSE))
        assert can(p, "case.read", Target(level=4, confidential=True, owner_user_id=ME))
        assert can(p, "case.read", Target(level=4))
    assert can(PRINCIPALS[Role.FINANCE], "case.read", Target(level=2))
    # Finance reads and decides claims on confidential cases, whose cases it cannot open.
    assert can(PRINCIPALS[Role.FINANCE], "claim.decide", Target(level=2))
    assert can(PRINCIPALS[Role.FINANCE], "claim.decide", Target(confidential=True))
    assert can(PRINCIPALS[Role.FINANCE], "claim.read", Target(confidential=True, owner_user_id=SOMEONE_ELSE))
    assert not can(PRINCIPALS[Role.COUNCILLOR], "claim.read", Target(ward_id=HOME_WARD, confidential=True))
    assert not can(PRINCIPALS[Role.BOROUGH_OFFICER], "claim.read", Target(level=4, confidential=True))
    assert not can(PRINCIPALS[Role.PARTNER], "claim.read", Target(organisation_id=MY_ORG))
    assert can(PRINCIPALS[Role.ADMIN], "case.read", Target(confidential=True))


def test_a_borough_officer_reads_level_four_cases_and_their_own():
    p = PRINCIPALS[Role.BOROUGH_OFFICER]
    assert can(p, "case.read", Target(level=4))
    for level in (None, 1, 2, 3):
        assert not can(p, "case.read", Target(level=level))
        assert can(p, "case.read", Target(level=level, owner_user_id=ME))
        assert not can(p, "case.read", Target(level=level, owner_user_id=SOMEONE_ELSE))
    assert can(p, "level.read", Target(level=4)) and not can(p, "level.read", Target(level=3))


def test_a_partner_acts_on_its_own_organisations_tasks_only():
    p = PRINCIPALS[Role.PARTNER]
    assert can(p, "task.act", Target(organisation_id=MY_ORG))
    assert not can(p, "task.act", Target(organisation_id=OTHER_ORG))
    assert not can(p, "task.act", Target())
    assert can(p, "task.confidential_details", Target(organisation_id=MY_ORG, confidential=True))
    assert not can(p, "task.confidential_details", Target(organisation_id=OTHER_ORG, confidential=True))
    other_partner = Principal(ME, Role.PARTNER, organisation_id=OTHER_ORG)
    assert not can(other_partner, "task.read", Target(organisation_id=MY_ORG))
    assert not can(p, "case.read", Target(organisation_id=MY_ORG))  # partners reach cases through tasks


def test_a_partner_without_an_organisation_may_do_nothing_an_organisation_is_needed_for():
    lost = Principal(ME, Role.PARTNER)
    assert scope_of(lost, "task.read") is None
    assert not can(lost, "task.read")
    assert not can(lost, "task.act", Target())
    assert not can(lost, "task.act", Target(organisation_id=MY_ORG))
    assert not covers_all(lost, "task.read")
    # Only the organisation scope needs an organisation: nobody else loses anything for lacking one.
    assert scope_of(Principal(ME, Role.ADMIN), "task.read") is Scope.ALL
    assert scope_of(Principal(ME, Role.AREA_MANAGER), "case.edit") is Scope.AREA


def test_the_admin_may_do_everything_but_spend_decide_claims_act_on_tasks_or_raise_councillors_requests():
    p = PRINCIPALS[Role.ADMIN]
    refused = {a for a in PERMISSIONS if not can(p, a)}
    assert refused == {"budget.spend", "claim.decide", "follow_up.decide", "task.act", "request.raise"}
    everywhere = Target(
        area_id=OTHER_AREA,
        ward_id=OTHER_WARD,
        organisation_id=OTHER_ORG,
        owner_user_id=SOMEONE_ELSE,
        confidential=True,
        level=1,
    )
    assert all(can(p, a, everywhere) for a in PERMISSIONS if a not in refused)


def test_roles_may_be_given_as_their_names():
    p = Principal(ME, "area_manager", area_ids=frozenset({HOME_AREA}))
    assert can(p, "budget.spend", Target(area_id=HOME_AREA))
    assert scope_of(p, "case.read") is Scope.AREA


# Each scope's predicate, both sides of every condition ------------------------------------------


def test_owning_needs_an_owner_and_the_same_one():
    p = PRINCIPALS[Role.FINANCE]
    assert _admits(Scope.OPEN, p, Target(confidential=True, owner_user_id=ME))
    assert not _admits(Scope.OPEN, p, Target(confidential=True, owner_user_id=SOMEONE_ELSE))
    assert not _admits(Scope.OPEN, p, Target(confidential=True, owner_user_id=None))
    assert _admits(Scope.OPEN, p, Target(confidential=False, owner_user_id=SOMEONE_ELSE))


def test_the_organisation_scope_needs_the_principal_to_have_one():
    assert not _admits(Scope.ORG, Principal(ME, Role.PARTNER), Target(organisation_id=None))
    assert not _admits(Scope.ORG, Principal(ME, Role.PARTNER), Target(organisation_id=MY_ORG))
    assert _admits(Scope.ORG, PRINCIPALS[Role.PARTNER], Target(organisation_id=MY_ORG))
    assert not _admits(Scope.ORG, PRINCIPALS[Role.PARTNER], Target(organisation_id=None))


@pytest.mark.parametrize(
    ("scope", "target", "admitted"),
    [
        (Scope.ALL, Target(), True),
        (Scope.AREA, Target(area_id=HOME_AREA), True),
        (Scope.AREA, Target(area_id=OTHER_AREA), False),
        (Scope.AREA, Target(), False),
        (Scope.WARD, Target(ward_id=HOME_WARD), True),
        (Scope.WARD, Target(ward_id=OTHER_WARD), False),
        (Scope.WARD, Target(ward_id=HOME_WARD, confidential=True), False),
        (Scope.WARD, Target(ward_id=HOME_WARD, confidential=True, owner_user_id=ME), True),
        (Scope.WARD, Target(ward_id=OTHER_WARD, confidential=True, owner_user_id=ME), False),
        (Scope.ORG, Target(organisation_id=MY_ORG), True),
        (Scope.ORG, Target(organisation_id=OTHER_ORG), False),
        (Scope.OPEN, Target(), True),
        (Scope.OPEN, Target(confidential=True), False),
        (Scope.L4, Target(level=4), True),
        (Scope.L4, Target(level=3), False),
        (Scope.L4, Target(level=5), False),
        (Scope.L4, Target(level=4, confidential=True), False),
        (Scope.L4, Target(level=3, owner_user_id=ME), True),
        (Scope.L4, Target(level=4, confidential=True, owner_user_id=ME), True),
        (Scope.L4, Target(level=3, confidential=True, owner_user_id=ME), True),
        (Scope.L4, Target(level=4, confidential=True, owner_user_id=SOMEONE_ELSE), False),
    ],
)
def test_each_scope(scope, target, admitted):
    everything = Principal(
        ME, Role.ADMIN, organisation_id=MY_ORG, area_ids=frozenset({HOME_AREA}), ward_ids=frozenset({HOME_WARD})
    )
    assert _admits(scope, everything, target) is admitted
