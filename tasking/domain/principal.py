"""The acting user as the rules see it: a role and what it covers, without any storage attached."""

from dataclasses import dataclass, field

from tasking.domain.roles import Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: Role
    organisation_id: int | None = None
    area_ids: frozenset[int] = field(default_factory=frozenset)
    ward_ids: frozenset[int] = field(default_factory=frozenset)
