"""Query plans for the reads people poll."""

from sqlalchemy.orm import Session


def reuse_plans(session: Session) -> None:
    """For this transaction, plan each prepared statement once and reuse the plan.

    psycopg prepares a statement on its fifth run on a connection; PostgreSQL then plans it afresh
    on every run unless it judges the generic plan as cheap as the custom ones, which it does not for
    the polled lists' joins: planning them cost 4-5 ms a request against 1 ms of work (issue 22,
    bench/plans/). Their plans do not depend on the values bound (an organisation's or an area's
    rows through the same index, a page at a time), so the generic plan is the one wanted. Limited
    to the transaction, so no other use case's plans change (docs/performance.md)."""
    if session.get_bind().dialect.name == "postgresql":
        # Straight to the driver: the ORM's execution path costs more than the round trip.
        session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
