"""The partial indexes of migration 0018 (docs/performance.md, "Partial indexes") serve the lookups
that ask for a value, on PostgreSQL's generic plans too: there the value is a parameter the planner
cannot see, and only the lookup's strictness (`=` is never true of NULL) proves that the rows it
wants have one. The similar-case search's own indexes are checked in
tests/api/test_raising_constant_cost.py."""

import pytest
from sqlalchemy import text

LOOKUPS = {
    # The case page's and the suggestions' other cases held up by the same barrier.
    "ix_cases_barrier_id": ("(int, int)", "SELECT id FROM cases WHERE barrier_id = $1 AND id <> $2", "(7, 1)"),
    # An officer's own cases in a state (my work; access to the confidential cases one owns).
    "ix_cases_owner_user_state": (
        "(int, text)",
        "SELECT id FROM cases WHERE owner_user_id = $1 AND state = $2",
        "(3, 'in_progress')",
    ),
}


@pytest.mark.parametrize("index", sorted(LOOKUPS))
def test_a_lookup_by_value_is_served_by_its_partial_index_on_a_generic_plan(session, index):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    types, query, values = LOOKUPS[index]
    connection = session.connection()
    # A small table would be read whole by choice; without that choice, only an index can serve it.
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    connection.exec_driver_sql(f"PREPARE lookup{types} AS {query}")
    try:
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN EXECUTE lookup{values}").scalars())
    finally:
        connection.exec_driver_sql("DEALLOCATE lookup")
        session.rollback()
    assert "$1" in plan, plan  # a generic plan: the value stayed a parameter
    assert "Seq Scan" not in plan and index in plan, plan
