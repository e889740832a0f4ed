"""Who owns a case at each level, and which organisations are offered tasks (docs/routing.md).

Level 1 goes to the category's front-line service, never to the area manager; level 2
to the area manager; level 3 to the category's lead partner with the area manager
coordinating and the other named agencies offered tasks; level 4 to the borough officer. A case
no rule can route stays in its area's triage queue, with the reason.

A lead named for the case by a person replaces the category's front-line service (level 1) or lead
partner (level 3). An organisation that declined its task on the case is not offered it again by
the rule: a declined front-line service or lead leaves the case in triage until a person names
another lead (or chooses the same one again); a declined supporting agency is left out
(docs/routing.md, "Declines and leads").
"""

from dataclasses import dataclass

from tasking.domain.tasks import TaskRole


@dataclass(frozen=True)
class CategoryRoute:
    frontline_organisation_id: int | None
    lead_organisation_id: int | None
    support_organisation_ids: tuple[int, ...] = ()

    def led_by(self, organisation_id: int | None) -> "CategoryRoute":
        """The route with a lead named for one case in place of the category's defaults."""
        if organisation_id is None:
            return self
        return CategoryRoute(organisation_id, organisation_id, self.support_organisation_ids)


@dataclass(frozen=True)
class AreaRoute:
    area_manager_user_id: int | None


@dataclass(frozen=True)
class BoroughRoute:
    organisation_id: int | None
    officer_user_id: int | None


@dataclass(frozen=True)
class Offer:
    organisation_id: int
    role: TaskRole


@dataclass(frozen=True)
class Route:
    owner_organisation_id: int | None = None
    owner_user_id: int | None = None
    coordinator_user_id: int | None = None
    offers: tuple[Offer, ...] = ()
    queue_reason: str | None = None  # set when no rule could route: the case waits in triage

    @property
    def routed(self) -> bool:
        return self.queue_reason is None

    @property
    def has_owner(self) -> bool:
        return self.owner_organisation_id is not None or self.owner_user_id is not None


def _queued(reason: str) -> Route:
    return Route(queue_reason=reason)


def route(
    level: int,
    category: CategoryRoute,
    area: AreaRoute,
    borough: BoroughRoute,
    declined: frozenset[int] = frozenset(),
) -> Route:
    """`declined`: organisations whose last task on this case they declined."""
    if level == 1:
        if category.frontline_organisation_id is None:
            return _queued("The category has no front-line service to do a level-one job.")
        org = category.frontline_organisation_id
        if org in declined:
            return _queued("The front-line service declined the job: name another lead for the case.")
        return Route(owner_organisation_id=org, offers=(Offer(org, TaskRole.FRONTLINE),))
    if level == 2:
        if area.area_manager_user_id is None:
            return _queued("The area has no area manager to own a level-two case.")
        return Route(owner_user_id=area.area_manager_user_id)
    if level == 3:
        if category.lead_organisation_id is None:
            return _queued("The category has no lead partner for a level-three intervention.")
        lead = category.lead_organisation_id
        if lead in declined:
            return _queued("The lead partner declined to lead: name another lead for the case.")
        supports = [o for o in dict.fromkeys(category.support_organisation_ids) if o != lead and o not in declined]
        offers = (Offer(lead, TaskRole.LEAD),) + tuple(Offer(o, TaskRole.SUPPORT) for o in supports)
        return Route(owner_organisation_id=lead, coordinator_user_id=area.area_manager_user_id, offers=offers)
    if level == 4:
        if borough.officer_user_id is None and borough.organisation_id is None:
            return _queued("There is no borough officer to own a level-four case.")
        return Route(owner_organisation_id=borough.organisation_id, owner_user_id=borough.officer_user_id)
    return _queued(f"There is no level {level}.")
