"""Each cost of a case counted once across its claims (docs/money.md, "Costs counted once").

A case's quick-win spend rides on one claim: the earliest still estimated, less what verified claims
already carry (`cost_avoided.carry_quick_win`). Whenever that can change (a claim made, changed or
decided; a spend recorded or reversed) the service that changed it calls `count_once`, which puts
the spend on the claim that should carry it and takes it off the others, each move audited.
"""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.domain import cost_avoided as rules
from tasking.domain.principal import Principal
from tasking.models import Case, CostAvoidedClaim, Spend
from tasking.services import audit


def case_spend_pence(session: Session, case_id: int) -> int:
    """The case's quick-win spend: its spends less their reversals."""
    return int(
        session.scalar(select(func.coalesce(func.sum(Spend.amount_pence), 0)).where(Spend.case_id == case_id)) or 0
    )


def count_once(
    session: Session,
    principal: Principal | None,
    case_id: int,
    *,
    now: datetime,
    acting_on: int | None = None,
    verifying: int | None = None,
) -> None:
    """Put the case's quick-win spend on the claim that carries it and on no other. Called by an entry
    point that has already been allowed to change a claim or a spend of the case; `acting_on` is the
    claim that entry point is changing, whose own audit event records its figures (the others moved
    get a `claim.costs_moved` event each).

    The case row is locked first (FOR UPDATE on PostgreSQL; SQLite's single write lock otherwise), so
    two claims made at once on the same case cannot both take the spend."""
    session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    claims = list(
        session.scalars(
            select(CostAvoidedClaim)
            .where(CostAvoidedClaim.case_id == case_id)
            .order_by(CostAvoidedClaim.id)
            .execution_options(populate_existing=True)
        )
    )
    carried = rules.carry_quick_win(
        [rules.CaseClaim(c.id, c.state, c.quick_win_pence or 0) for c in claims],
        case_spend_pence(session, case_id),
        verifying=verifying,
    )
    for claim in claims:
        quick_win = carried[claim.id]
        if quick_win == claim.quick_win_pence:
            continue
        before = {"quick_win_pence": claim.quick_win_pence, "net_pence": claim.net_pence}
        claim.quick_win_pence = quick_win
        claim.net_pence = claim.adjusted_pence - quick_win - claim.other_costs_pence
        claim.updated_at = now
        if claim.id != acting_on:
            audit.record(
                session,
                principal,
                "claim.costs_moved",
                "cost_avoided_claim",
                claim.id,
                now=now,
                case_id=case_id,
                before=before,
                after={
                    "quick_win_pence": claim.quick_win_pence,
                    "net_pence": claim.net_pence,
                    "carries": rules.costs_carried(claim.state, claim.quick_win_pence, claim.other_costs_pence),
                },
            )
    session.flush()
