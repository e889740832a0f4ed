"""Contract fuzzing: schemathesis generates requests for every operation in /api/v1/openapi.json,
valid and invalid, and sends them as each role; nothing may answer 5xx, and every answer must match
its documented status, content type and schema (schemathesis's own checks, all of them).

Each example runs twice: with the path as generated (almost always an object that does not exist)
and with the path naming a real object of the world (tests/world.py), so that generated bodies get
past the lookups to the rules behind them. Every request is rolled back, so the world stays as built.

The bounded run here is part of `make test` and is the same every time (derandomized);
`make fuzz` runs it with more examples and fresh randomness (CONTRACT_EXAMPLES, CONTRACT_RANDOM).
"""

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.world import ROLES, isolated_world

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "3"))
RANDOM = os.environ.get("CONTRACT_RANDOM") == "1"
TOKEN_ROLES = [role for role in ROLES if role != "anon"]

# The real object each path parameter names when an example is pointed at the world.
REAL = {
    "case_key": lambda w: w.here.case["id"],
    "task_id": lambda w: w.here.task,
    "spend_id": lambda w: w.here.spend,
    "claim_id": lambda w: w.here.claim,
    "review_id": lambda w: w.here.review,
    "follow_up_id": lambda w: w.here.values["follow_up"],
    "code": lambda w: "SW",
    "area": lambda w: "SW",
    "year": lambda w: w.here.values["year"],
    "unit_cost_id": lambda w: w.unit_cost,
    "prefix": lambda w: w.spare_token.token.prefix,
    "holiday_id": lambda w: w.holiday,
    "target_id": lambda w: w.target,
}


@pytest.fixture(scope="module")
def contract_world(app):
    with isolated_world(app) as built:
        yield built


# Schema-valid data may still break a rule the schema cannot state (an unknown ward code, a level
# that differs from the suggestion without a reason, a stale If-Match): the API answers those with
# its documented 422, 409 or 412, which the positive-data check must accept. A 400 for schema-valid
# data, or a 5xx, still fails it.
# The test sends each role's token itself, so schemathesis leaves the Authorization header alone
# (its ignored_auth check still sends requests without it).
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]
            }
        },
        "generation": {"with-security-parameters": False},
    }
)


@pytest.fixture(scope="module")
def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_fuzzing_reaches_every_operation_the_app_serves(app, operations):
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] != "api-docs"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    as_flask = {(op.method.upper(), op.path.replace("{", "<").replace("}", ">")) for op in operations}
    assert len(operations) == len(served) and as_flask == {(m, _untyped(r)) for m, r in served}


def _untyped(rule: str) -> str:
    """/api/v1/tasks/<int:task_id> as the OpenAPI path writes it: /api/v1/tasks/<task_id>."""
    return re.sub(r"<[a-z_]+:", "<", rule)


def _run(operation, role, world, mode: GenerationMode) -> int:
    examples = []

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        examples.append(case)
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        cases = [case]
        # The same request aimed at a real object; not when the path itself is the invalid part,
        # since a real object's path would make the request valid.
        if case.path_parameters and not case.meta.is_negative_at(ParameterLocation.PATH):
            cases.append(
                operation.Case(
                    path_parameters={name: REAL[name](world) for name in case.path_parameters},
                    query=case.query,
                    headers=case.headers,
                    cookies=case.cookies,
                    body=case.body,
                    media_type=case.media_type,
                    _meta=case.meta,
                )
            )
        for each in cases:
            with world.iso.undone():
                each.call_and_validate(headers=headers)

    check()
    return len(examples)


@pytest.mark.parametrize("role", TOKEN_ROLES)
def test_every_operation_keeps_its_contract(role, operations, contract_world):
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                sent = _run(operation, role, contract_world, mode)
                # An operation whose examples were all filtered away would pass untested.
                assert sent > 0 or mode == GenerationMode.NEGATIVE, f"no examples for {operation.label}"
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, operation.label  # nothing in it can be made invalid
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - gather all, then report
                failures.append(f"--- {operation.label} as {role}, {mode.value} examples\n{failure}")
    assert not failures, "\n".join(failures)
