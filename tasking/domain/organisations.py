"""Kinds of organisation that take part in area partnerships."""

ORGANISATION_KINDS = (
    "council_service",
    "police",
    "fire",
    "health",
    "housing",
    "asb_team",
    "voluntary",
    "borough",
)

CASE_SOURCES = ("councillor", "resident", "partner", "staff", "open311")

NOTE_VISIBILITIES = ("internal", "partners", "councillor", "public")
