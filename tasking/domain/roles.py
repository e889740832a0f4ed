"""Who uses tasking. What each role may do lives in one place: tasking/domain/permissions.py."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AREA_MANAGER = "area_manager"
    SUPPORT_OFFICER = "support_officer"
    PARTNER = "partner"
    COUNCILLOR = "councillor"
    FINANCE = "finance"
    BOROUGH_OFFICER = "borough_officer"


# Staff who work a case inside an area partnership.
AREA_STAFF = frozenset({Role.AREA_MANAGER, Role.SUPPORT_OFFICER})
# Roles whose user is tied to areas, and to wards. A partner's areas are those it works in: it may
# raise cases there (docs/roles.md); what it sees still comes from its organisation's tasks.
SCOPED_TO_AREAS = AREA_STAFF | {Role.PARTNER}
SCOPED_TO_WARDS = frozenset({Role.COUNCILLOR})
# Roles that belong to an organisation.
NEEDS_ORGANISATION = frozenset({Role.PARTNER})
