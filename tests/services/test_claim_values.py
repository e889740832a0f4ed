"""The value method in the claims service (docs/money.md, "The value method"): the adjustments are
kept exactly and audited, shares may come as text, and the price uplift follows the policy's table."""

from datetime import datetime, timezone
from fractions import Fraction

import pytest
from sqlalchemy import select

from tasking.domain.errors import ValidationFailed
from tasking.domain.policy import Policy
from tasking.models import AuditEvent, ClaimOutcome
from tasking.services import cases, claims
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)  # financial year 2026
CARE = {"description": "Care placement avoided", "unit_cost_pence": 25_900_000, "probability": "0.1"}


@pytest.fixture
def manager(make_user):
    return principal_for(make_user("area_manager", areas=["SW"]))


@pytest.fixture
def case(session, manager):
    with unit_of_work(session):
        return cases.create_case(
            session,
            manager,
            {"title": "Family not coping", "description": "d", "category": "family-early-help", "ward": "paddock"},
            now=NOW,
            policy=Policy(),
        )


def test_adjustments_are_kept_exactly_and_audited(session, manager, case):
    line = {
        **CARE,
        "deadweight": "1/3",
        "deadweight_reason": " Some recover anyway ",
        "attribution": Fraction(1, 2),
        "drop_off": 0.25,
        "benefit_years": 2,
        "cashable": True,
    }
    with unit_of_work(session):
        claim = claims.create_claim(session, manager, case.id, {"outcomes": [line]}, now=NOW, policy=Policy())
    session.expire_all()
    stored = session.scalars(select(ClaimOutcome).where(ClaimOutcome.claim_id == claim.id)).one()
    assert (stored.deadweight, stored.attribution, stored.drop_off) == (Fraction(1, 3), Fraction(1, 2), Fraction(1, 4))
    assert (stored.deadweight_reason, stored.benefit_years, stored.cashable) == ("Some recover anyway", 2, True)
    # 2,590,000 x 2/3 x 1/2 x (1 + 0.75 / 1.035) = 863,333.33... x 1.72463... = 1,488,937.19... -> 1,488,937
    base = Fraction(2_590_000) * Fraction(2, 3) * Fraction(1, 2) * (1 + Fraction(3, 4) / Fraction(207, 200))
    assert (stored.low_pence, stored.adjusted_pence, stored.high_pence) == (round(base),) * 3 == (1_488_937,) * 3
    assert (claim.adjusted_pence, claim.cashable_pence, claim.gross_pence) == (1_488_937, 1_488_937, 2_590_000)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "claim.created")).one()
    assert event.after["adjusted_pence"] == 1_488_937
    assert {k: event.after["outcomes"][0][k] for k in ("deadweight", "attribution", "drop_off", "cashable")} == {
        "deadweight": "1/3",
        "attribution": "1/2",
        "drop_off": "1/4",
        "cashable": True,
    }


def test_a_price_year_needs_the_policys_deflator_table(session, manager, case):
    # Three claims on the case, each for its own outcome (one outcome may not be credited thrice).
    same_year = {**CARE, "price_year": 2026}
    with unit_of_work(session):
        claim = claims.create_claim(session, manager, case.id, {"outcomes": [same_year]}, now=NOW, policy=Policy())
    assert claim.adjusted_pence == 2_590_000  # the reporting year's own prices: no table needed
    with pytest.raises(ValidationFailed) as refused:
        with unit_of_work(session):
            claims.create_claim(
                session,
                manager,
                case.id,
                {"outcomes": [{**CARE, "description": "Respite", "price_year": 2020}]},
                now=NOW,
                policy=Policy(),
            )
    assert refused.value.code == "no_deflator"
    assert refused.value.fields == {"outcomes": {0: {"price_year": [refused.value.message]}}}
    table = Policy.from_config({"GDP_DEFLATORS": {"2020": "85.2137", "2024": "100"}})
    with unit_of_work(session):
        uplifted = claims.create_claim(
            session,
            manager,
            case.id,
            {"outcomes": [{**CARE, "description": "Foster care", "price_year": 2020}]},
            now=NOW,
            policy=table,
        )
    # 2,590,000 x 100 / 85.2137 (2026 is past the table: read as 2024) = 3,039,417.09...
    assert uplifted.adjusted_pence == round(Fraction(2_590_000) * 100 / Fraction("85.2137")) == 3_039_417
