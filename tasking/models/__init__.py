"""SQLAlchemy models, one module per aggregate. Importing this registers every table."""
from tasking.models.audit import AuditEvent
from tasking.models.cases import Case, CaseNote, CaseSequence
from tasking.models.reference import Area, Category, Organisation, Ward
from tasking.models.users import ApiToken, User, user_areas, user_wards

__all__ = [
    "ApiToken",
    "Area",
    "AuditEvent",
    "Case",
    "CaseNote",
    "CaseSequence",
    "Category",
    "Organisation",
    "User",
    "Ward",
    "user_areas",
    "user_wards",
]
