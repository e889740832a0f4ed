"""Which note audiences each role may read.

A note is written for an audience; the audiences widen in order: `internal` (council staff),
`partners` (and the partner agencies working the case), `councillor` (and the ward's councillors),
`public` (and residents, through Open311).
"""

from tasking.domain.roles import Role

_ALL = frozenset({"internal", "partners", "councillor", "public"})

NOTE_AUDIENCES_BY_ROLE = {
    Role.ADMIN: _ALL,
    Role.AREA_MANAGER: _ALL,
    Role.SUPPORT_OFFICER: _ALL,
    Role.BOROUGH_OFFICER: _ALL,
    Role.FINANCE: _ALL,
    Role.PARTNER: frozenset({"partners", "councillor", "public"}),
    Role.COUNCILLOR: frozenset({"councillor", "public"}),
}

PUBLIC_AUDIENCE = "public"


def note_audiences(role: Role) -> frozenset[str]:
    return NOTE_AUDIENCES_BY_ROLE[Role(role)]


def may_write_note_for(role: Role, visibility: str) -> bool:
    """Nobody writes a note they could not read back."""
    return visibility in note_audiences(role)
