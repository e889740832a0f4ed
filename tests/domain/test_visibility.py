from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.domain.visibility import may_write_note_for, note_audiences


def test_councillors_read_only_notes_written_for_councillors_or_the_public():
    assert note_audiences(Role.COUNCILLOR) == {"councillor", "public"}


def test_partners_never_read_internal_notes():
    assert "internal" not in note_audiences(Role.PARTNER)


def test_staff_read_every_note():
    for role in (Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER):
        assert note_audiences(role) == {"internal", "partners", "councillor", "public"}


def test_nobody_writes_a_note_they_could_not_read():
    assert not may_write_note_for(Role.COUNCILLOR, "internal")
    assert may_write_note_for(Role.AREA_MANAGER, "internal")


def test_principal_coverage_by_role():
    manager = Principal(1, Role.AREA_MANAGER, area_ids=frozenset({10}))
    councillor = Principal(2, Role.COUNCILLOR, ward_ids=frozenset({100}))
    partner = Principal(3, Role.PARTNER, organisation_id=5)
    assert manager.covers_ward(100, 10) and not manager.covers_ward(200, 20)
    assert councillor.covers_ward(100, 10) and not councillor.covers_ward(101, 10)
    assert not partner.covers_ward(100, 10)
    assert Principal(4, Role.ADMIN).covers_area(99)


def test_only_area_staff_and_admins_see_residents_personal_details():
    from tasking.domain.visibility import may_see_personal_details

    assert {r for r in Role if may_see_personal_details(r)} == {Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER}
