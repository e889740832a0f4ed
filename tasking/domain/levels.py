"""Walsall's four-level model (docs/levels.md, "The four levels")."""

from enum import IntEnum


class Level(IntEnum):
    SIMPLE_ACTION = 1
    PARTNERSHIP = 2
    MULTI_AGENCY = 3
    SYSTEMS_CHANGE = 4


LEVELS = tuple(int(level) for level in Level)

MEANINGS = {
    Level.SIMPLE_ACTION: "Simple action now to save complex costly intervention later",
    Level.PARTNERSHIP: "Low level partnership working using problem solving techniques",
    Level.MULTI_AGENCY: "High level multi-agency intervention for an increasingly complex issue",
    Level.SYSTEMS_CHANGE: "Systems change at borough level",
}
