"""The acting user as the rules see it: a role and what it covers, without any storage attached."""
from dataclasses import dataclass, field

from tasking.domain.roles import AREA_STAFF, Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: Role
    organisation_id: int | None = None
    area_ids: frozenset[int] = field(default_factory=frozenset)
    ward_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_area_staff(self) -> bool:
        return self.role in AREA_STAFF

    def covers_area(self, area_id: int) -> bool:
        return self.is_admin or (self.is_area_staff and area_id in self.area_ids)

    def covers_ward(self, ward_id: int, area_id: int) -> bool:
        """May this user raise or look up cases in this ward?"""
        if self.is_admin:
            return True
        if self.is_area_staff:
            return area_id in self.area_ids
        if self.role == Role.COUNCILLOR:
            return ward_id in self.ward_ids
        return False
