"""Risk flags a case can carry (docs/levels.md, "Classification")."""

RISK_FLAGS = ("vulnerable_person", "safeguarding", "hate_incident", "repeat_victim")
