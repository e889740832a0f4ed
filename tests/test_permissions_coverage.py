"""Every service entry point that acts for a principal goes through the permissions table
(tasking/domain/permissions.py).

The rule, checked on the source (no app, no database):

1. An *entry point* is a public (no leading underscore) top-level function of a module in
   tasking/services whose signature has a parameter named `principal` or `actor` annotated with
   `Principal` (or `Principal | None`).
2. It *goes through the table* when its body calls one of the gates below, either itself or in a
   function of the same module that it calls by name (one level, no further):
   - `require`, `can`, `covers_all`, `scope_of`: the table itself;
   - `case_scope` and `claim_scope` (tasking/services/access.py): the "case.read" and "claim.read"
     rows of the table written as SQL, held to the same answers by
     tests/services/test_access_agrees_with_permissions.py;
   - `get_case`, `get_case_to_change` (tasking/services/cases.py), `where_place`, `place_ids`,
     `visible_area`, `visible_ward` (tasking/services/places.py) and `checked_place`
     (tasking/services/triage.py): a case or place
     loaded inside `case_scope` or checked with `can`/`require`; each of these is itself an entry
     point checked here.
   A call through a module (`cases.get_case(...)`) counts by the function's name.
3. The exceptions are listed in ALLOWED with the reason each may act without asking the table:
   they are building blocks called by an entry point after it has asked, or commands of the
   operator's own CLI, where there is no signed-in user to refuse. The list is checked too: an
   exception that now goes through the table, or no longer exists, must leave it.

Besides, no service decides by the role itself: the Principal's role helpers (`is_admin`,
`is_area_staff`, `covers_area`, `covers_ward`) are not used in tasking/services, and no service
compares `principal.role` or `actor.role` with anything.
"""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "tasking" / "services"
GATES = {
    "require",
    "can",
    "covers_all",
    "scope_of",
    "case_scope",
    "claim_scope",
    "get_case",
    "get_case_to_change",
    "where_place",
    "place_ids",
    "checked_place",
    "visible_area",
    "visible_ward",
    "areas_in_scope",
}
ACTING = {"principal", "actor"}

ALLOWED = {
    "audit.record": "writes the audit event of a change an entry point has already allowed; the actor is who did it",
    "routing.apply_route": "routes a case whose level an entry point has just been allowed to decide",
    "routing.cancel_task": "cancels tasks of a case an entry point has been allowed to change",
    "routing.cancel_active_tasks": "as cancel_task, for every active task of the case",
    "routing.offer_task": "called by case_work.offer_task after get_case_to_change (case.edit) and by apply_route",
    "tokens.issue_token": "the CLI's `flask tasking token create` (the operator, actor None) and issue_for_email "
    "after token.manage",
    "tokens.revoke_token": "the CLI's `flask tasking token revoke` and revoke_as_admin after token.manage",
    "open311_clients.create_client": "the CLI's `flask tasking open311-key create`: Open311 keys are managed "
    "by the operator, not a role (docs/roles.md)",
    "open311_clients.revoke_client": "the CLI's `flask tasking open311-key revoke`, as create_client",
    "users.create_user": "the CLI's `flask tasking user create`: users are managed by the operator, not a role",
    "claim_costs.count_once": "moves the case's quick-win spend to the claim that carries it, after an entry "
    "point was allowed to change a claim (claims.create_claim, edit_claim: claim.write; claims.decide: "
    "claim.decide) or a spend (budget.record_spend, reverse_spend: budget.spend)",
    "users.set_password": "sets a password for the operator's user commands and the demo data (actor None), "
    "as create_user",
    "users.deactivate": "the CLI's `flask tasking user deactivate` (the operator, actor None), as create_user",
    "users.sign_out_everywhere": "the CLI's `flask tasking user sign-out-everywhere` (the operator, actor None), "
    "as create_user",
}
ROLE_HELPERS = {"is_admin", "is_area_staff", "covers_area", "covers_ward"}


def _modules():
    for path in sorted(SERVICES.glob("*.py")):
        yield path.stem, ast.parse(path.read_text(), filename=str(path))


def _annotation(arg: ast.arg) -> str:
    return ast.unparse(arg.annotation) if arg.annotation is not None else ""


def _acts_for_a_principal(function: ast.FunctionDef) -> bool:
    args = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    return any(a.arg in ACTING and "Principal" in _annotation(a) for a in args)


def _called_names(function: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def _entry_points():
    """{"module.function": goes through the table?} for every entry point."""
    found = {}
    for module, tree in _modules():
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        for name, function in functions.items():
            if name.startswith("_") or not _acts_for_a_principal(function):
                continue
            called = _called_names(function)
            one_level = set().union(*(_called_names(functions[c]) for c in called if c in functions))
            found[f"{module}.{name}"] = bool((called | one_level) & GATES)
    return found


def test_the_rule_finds_the_entry_points():
    found = _entry_points()
    # A few that must be seen, so that a rule that finds nothing cannot pass.
    for name in (
        "cases.create_case",
        "cases.get_case",
        "budget.record_spend",
        "tasks.act",
        "claims.decide",
        "tokens.list_tokens",
        "reviews.agenda",
        "councillor_requests.refer",
        "notes.add_note",
    ):
        assert name in found, name
    assert len(found) > 40


def test_every_entry_point_goes_through_the_permissions_table():
    unchecked = sorted(name for name, checked in _entry_points().items() if not checked and name not in ALLOWED)
    assert not unchecked, (
        "These act for a principal without asking the permissions table (require/can or a "
        f"scope helper); ask it, or list them in ALLOWED with a reason: {unchecked}"
    )


def test_the_exceptions_are_still_exceptions():
    found = _entry_points()
    stale = sorted(name for name in ALLOWED if name not in found or found[name])
    assert not stale, f"No longer an entry point, or now goes through the table: remove from ALLOWED: {stale}"


def test_no_service_decides_by_the_role_itself():
    offences = []
    for module, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ROLE_HELPERS:
                offences.append(f"{module}:{node.lineno} uses .{node.attr}")
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(ast.unparse(side) in ("principal.role", "actor.role") for side in sides):
                    offences.append(f"{module}:{node.lineno} compares {ast.unparse(node)}")
    assert not offences, offences


# Reading a case inside the caller's scope (get_case, case_scope) is not leave to change it: an entry
# point that writes must ask the table itself, or load the case through get_case_to_change (case.edit).
WRITE_GATES = {"require", "can", "covers_all", "scope_of", "get_case_to_change", "areas_in_scope"}
WRITES = {"record", "add", "add_all"}  # audit.record(...), session.add(...)


def _writing_entry_points():
    """{"module.function": asks the table for leave to write?} for every entry point that writes."""
    found = {}
    for module, tree in _modules():
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        for name, function in functions.items():
            if name.startswith("_") or not _acts_for_a_principal(function):
                continue
            called = _called_names(function)
            one_level = set().union(*(_called_names(functions[c]) for c in called if c in functions))
            reached = called | one_level
            if reached & WRITES:
                found[f"{module}.{name}"] = bool(reached & WRITE_GATES)
    return found


def test_every_entry_point_that_writes_asks_for_leave_to_write():
    found = _writing_entry_points()
    assert {"budget.record_spend", "notes.add_note", "claims.decide", "reviews.decide"} <= set(found)
    unchecked = sorted(name for name, asked in found.items() if not asked and name not in ALLOWED)
    assert not unchecked, f"These write having only read the case in scope; ask the table: {unchecked}"
