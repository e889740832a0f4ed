"""Which note audiences each role may read, as the permissions table says (the `note.<audience>`
rows of tasking/domain/permissions.py).

A note is written for an audience; the audiences widen in order: `internal` (council staff),
`partners` (and the partner agencies working the case), `councillor` (and the ward's councillors),
`public` (and residents, through Open311).
"""

from tasking.domain.permissions import roles_with
from tasking.domain.roles import Role

NOTE_AUDIENCES = ("internal", "partners", "councillor", "public")
PUBLIC_AUDIENCE = "public"


def note_audiences(role: Role) -> frozenset[str]:
    role = Role(role)
    return frozenset(audience for audience in NOTE_AUDIENCES if role in roles_with(f"note.{audience}"))


def may_write_note_for(role: Role, visibility: str) -> bool:
    """Nobody writes a note they could not read back."""
    return visibility in note_audiences(role)
