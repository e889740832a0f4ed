"""Risk flags a case can carry (DESIGN: classification facts)."""

RISK_FLAGS = ("vulnerable_person", "safeguarding", "hate_incident", "repeat_victim")
