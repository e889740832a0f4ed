"""Every row of the role tables (docs/roles.md): who works in an area, what each role may do in
general terms, which note audiences each role reads and writes, and what a user's areas and wards
cover. Each table is checked for all seven roles, so a role added or moved shows up here."""

import pytest

from tasking.domain.principal import Principal
from tasking.domain.roles import (
    AREA_STAFF,
    NEEDS_ORGANISATION,
    SCOPED_TO_AREAS,
    SCOPED_TO_WARDS,
    Role,
    can_add_notes,
    can_edit_cases,
    can_raise_cases,
)
from tasking.domain.visibility import may_see_personal_details, may_write_note_for, note_audiences

ALL_ROLES = list(Role)
AUDIENCES = ("internal", "partners", "councillor", "public")

# docs/roles.md, "Note audiences": who reads a note written for each audience.
STAFF_READERS = {Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER, Role.FINANCE, Role.BOROUGH_OFFICER}
READERS = {
    "internal": STAFF_READERS,
    "partners": STAFF_READERS | {Role.PARTNER},
    "councillor": STAFF_READERS | {Role.PARTNER, Role.COUNCILLOR},
    "public": set(Role),
}


def test_the_seven_roles():
    assert {r.value for r in Role} == {
        "admin",
        "area_manager",
        "support_officer",
        "partner",
        "councillor",
        "finance",
        "borough_officer",
    }


def test_area_staff_are_the_area_manager_and_the_support_officer():
    assert AREA_STAFF == {Role.AREA_MANAGER, Role.SUPPORT_OFFICER}
    assert SCOPED_TO_AREAS == AREA_STAFF


def test_only_councillors_are_tied_to_wards_and_only_partners_to_an_organisation():
    assert SCOPED_TO_WARDS == {Role.COUNCILLOR}
    assert NEEDS_ORGANISATION == {Role.PARTNER}


# docs/roles.md: case.raise and note.write are admin, area staff and councillors; case.edit is
# admin and area staff.
@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_raise_edit_and_add_notes(role):
    raises = {Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER, Role.COUNCILLOR}
    edits = {Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER}
    assert can_raise_cases(role) is (role in raises)
    assert can_edit_cases(role) is (role in edits)
    assert can_add_notes(role) is (role in raises)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_cell_of_the_note_audience_table(role, audience):
    reads = role in READERS[audience]
    assert (audience in note_audiences(role)) is reads
    # Nobody writes a note they could not read back, and everyone writes what they read.
    assert may_write_note_for(role, audience) is reads


@pytest.mark.parametrize("role", ALL_ROLES)
def test_audiences_are_known_by_role_name_too(role):
    # Roles arrive from the database as plain strings.
    assert note_audiences(role.value) == note_audiences(role)
    assert may_see_personal_details(role.value) == may_see_personal_details(role)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_role_reads_or_writes_an_unknown_audience(role):
    assert note_audiences(role) <= set(AUDIENCES)
    assert not may_write_note_for(role, "residents")


def test_an_unknown_role_has_no_audiences():
    with pytest.raises(ValueError):
        note_audiences("resident")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_residents_personal_details_are_for_area_staff_and_admins_only(role):
    assert may_see_personal_details(role) is (role in {Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER})


# What a user's areas and wards cover. Area 10 holds ward 100; area 20 holds ward 200.
def principal(role, areas=(), wards=(), organisation=None):
    return Principal(1, role, organisation_id=organisation, area_ids=frozenset(areas), ward_ids=frozenset(wards))


@pytest.mark.parametrize("role", sorted(AREA_STAFF))
def test_area_staff_cover_their_own_areas_and_no_other(role):
    staff = principal(role, areas=[10])
    assert staff.is_area_staff and not staff.is_admin
    assert staff.covers_area(10)
    assert not staff.covers_area(20)
    assert staff.covers_ward(100, 10)
    assert staff.covers_ward(999, 10)  # any ward of a covered area
    assert not staff.covers_ward(200, 20)


@pytest.mark.parametrize("role", sorted(AREA_STAFF))
def test_area_staff_without_areas_cover_nothing(role):
    staff = principal(role)
    assert not staff.covers_area(10)
    assert not staff.covers_ward(100, 10)


def test_an_admin_covers_every_area_and_ward_without_being_given_any():
    admin = principal(Role.ADMIN)
    assert admin.is_admin and not admin.is_area_staff
    assert admin.covers_area(10) and admin.covers_area(20)
    assert admin.covers_ward(100, 10) and admin.covers_ward(200, 20)


def test_a_councillor_covers_their_wards_but_no_area():
    councillor = principal(Role.COUNCILLOR, wards=[100])
    assert councillor.covers_ward(100, 10)
    assert not councillor.covers_ward(101, 10)  # another ward of the same area
    assert not councillor.covers_area(10)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.FINANCE, Role.BOROUGH_OFFICER])
def test_roles_not_tied_to_places_cover_no_area_or_ward_even_if_given_some(role):
    # Areas or wards stored on such a user by mistake must not widen what they cover.
    user = principal(role, areas=[10], wards=[100], organisation=5)
    assert not user.is_admin and not user.is_area_staff
    assert not user.covers_area(10)
    assert not user.covers_ward(100, 10)


def test_a_councillor_given_an_area_by_mistake_still_covers_only_their_wards():
    councillor = principal(Role.COUNCILLOR, areas=[10], wards=[200])
    assert not councillor.covers_area(10)
    assert not councillor.covers_ward(100, 10)
    assert councillor.covers_ward(200, 20)
