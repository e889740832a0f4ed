"""SQLAlchemy models, one module per aggregate. Importing this registers every table."""

from tasking.models.audit import AuditEvent
from tasking.models.cases import (
    Barrier,
    Case,
    CaseLink,
    CaseNote,
    CaseSequence,
    LevelChange,
    Open311Client,
    Task,
)
from tasking.models.deadlines import CaseWait, Clock, LocalHoliday, Target
from tasking.models.meetings import Meeting
from tasking.models.money import (
    BudgetAllocation,
    ClaimCost,
    ClaimFollowUp,
    ClaimOutcome,
    CostAvoidedClaim,
    FinancialYearClosure,
    Spend,
    UnitCost,
)
from tasking.models.reference import Area, Category, Organisation, Ward, category_support_organisations
from tasking.models.reviews import Notification, Review, ReviewSchedule
from tasking.models.users import ApiToken, User, user_areas, user_wards

__all__ = [
    "ApiToken",
    "Area",
    "AuditEvent",
    "Barrier",
    "BudgetAllocation",
    "Case",
    "CaseLink",
    "CaseNote",
    "CaseSequence",
    "CaseWait",
    "Category",
    "ClaimCost",
    "ClaimFollowUp",
    "ClaimOutcome",
    "Clock",
    "CostAvoidedClaim",
    "LevelChange",
    "LocalHoliday",
    "FinancialYearClosure",
    "Meeting",
    "Notification",
    "Open311Client",
    "Organisation",
    "Review",
    "ReviewSchedule",
    "Spend",
    "Target",
    "Task",
    "UnitCost",
    "User",
    "Ward",
    "category_support_organisations",
    "user_areas",
    "user_wards",
]
