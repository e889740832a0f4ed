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
