"""Every row of the role tables (docs/roles.md): who works in an area, what each role may do in
general terms, which note audiences each role reads and writes, and what a user's areas and wards
cover. Each table is checked for all seven roles, so a role added or moved shows up here."""

import pytest

from tasking.domain.roles import (
    AREA_STAFF,
    NEEDS_ORGANISATION,
    SCOPED_TO_AREAS,
    SCOPED_TO_WARDS,
    Role,
)
from tasking.domain.visibility import may_write_note_for, note_audiences

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
    assert SCOPED_TO_AREAS == AREA_STAFF | {Role.PARTNER}


def test_only_councillors_are_tied_to_wards_and_only_partners_to_an_organisation():
    assert SCOPED_TO_WARDS == {Role.COUNCILLOR}
    assert NEEDS_ORGANISATION == {Role.PARTNER}


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


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_role_reads_or_writes_an_unknown_audience(role):
    assert note_audiences(role) <= set(AUDIENCES)
    assert not may_write_note_for(role, "residents")


def test_an_unknown_role_has_no_audiences():
    with pytest.raises(ValueError):
        note_audiences("resident")
