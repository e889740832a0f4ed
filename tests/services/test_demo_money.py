"""The demo data tells the St Matthew's pilot as the appendix does (docs/money.md, "Worked example"):
Family 1 cost £26,197, Family 2 £347 so far, counted once, as the comparison's other cost; Walsall
Finance could not support the £25,850 saving; a one-in-ten chance of care at about £259,000 is
£25,900 of expected cost, still an estimate. The families' cases are confidential, and finance reads
and decides their claims all the same."""

from fractions import Fraction

from sqlalchemy import select

from tasking.clock import now
from tasking.domain.policy import Policy
from tasking.models import Case, Spend, User
from tasking.services import claims, demo
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work


def test_the_demo_shows_the_st_matthews_claims_as_the_appendix_reports_them(session):
    with unit_of_work(session):
        demo.load(session, case_count=0, now=now(), policy=Policy())
    finance = principal_for(session.scalars(select(User).where(User.email == f"finance@{demo.DOMAIN}")).one())
    family = session.scalars(select(Case).where(Case.subject_ref == "SM-HH-0002")).one()
    assert family.confidential is True
    assert session.scalars(select(Spend).where(Spend.case_id == family.id)).all() == []  # no quick-win spend

    with unit_of_work(session):
        found = claims.case_claims(session, finance, family.reference)
        queue = claims.list_claims(session, finance, state=None, area="SW", cursor=None, size=50).items
    compared, care = found
    assert [c.id for c in queue if c.case_id == family.id] == [compared.id, care.id]

    assert (compared.state, compared.decided_by_id) == ("not_supported", finance.user_id)
    assert compared.decision_reason == demo.SEED_FINANCE_REASON
    assert "cannot be supported by Walsall Finance" in compared.decision_reason
    assert (compared.gross_pence, compared.quick_win_pence, compared.other_costs_pence, compared.net_pence) == (
        2_619_700,
        0,
        34_700,
        2_585_000,
    )
    assert [(c.description, c.amount_pence) for c in compared.costs] == [
        ("Costs of Family 2, helped early (June 2010 to date)", 34_700)
    ]

    assert care.state == "estimated"
    assert [(o.unit_cost_pence, o.probability, o.expected_pence) for o in care.outcomes] == [
        (25_900_000, Fraction(1, 10), 2_590_000)
    ]
    assert (care.gross_pence, care.quick_win_pence, care.other_costs_pence, care.net_pence) == (
        2_590_000,
        0,
        0,
        2_590_000,
    )
    # The £347 is counted once across the family's claims.
    assert sum(c.quick_win_pence + c.other_costs_pence for c in found) == 34_700
