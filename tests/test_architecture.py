"""The layering conventions (README.md, the layout and `make lint`), held by tests: the import contracts in
pyproject.toml ([tool.importlinter]) are kept by the tree and do break when a forbidden import is
added, and nothing below the delivery layer commits (the unit of work is opened by the caller)."""

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run the contracts in cwd's pyproject.toml against the tasking package found from cwd first."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_tree_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout, result.stdout


# One forbidden import per contract (and per kind of thing forbidden): (module, line, contract, edge reported).
FORBIDDEN = [
    ("domain/money.py", "import flask", "domain-pure", "tasking.domain.money -> flask"),
    ("domain/lifecycle.py", "from sqlalchemy import select", "domain-pure", "tasking.domain.lifecycle -> sqlalchemy"),
    ("domain/routing.py", "from tasking.models import Case", "domain-pure", "tasking.domain.routing -> tasking.models"),
    ("services/notes.py", "from flask import request", "services-no-delivery", "tasking.services.notes -> flask"),
    (
        "services/history.py",
        "import tasking.api.auth",
        "services-no-delivery",
        "tasking.services.history -> tasking.api.auth",
    ),
    (
        "api/cases/views.py",
        "from tasking.models import Case",
        "delivery-through-services",
        "tasking.api.cases.views -> tasking.models",
    ),
    (
        "web/console/cases.py",
        "import sqlalchemy",
        "delivery-through-services",
        "tasking.web.console.cases -> sqlalchemy",
    ),
    (
        "open311/render.py",
        "from tasking.models.cases import Case",
        "delivery-through-services",
        "tasking.open311.render -> tasking.models.cases",
    ),
    ("cli.py", "import bench.generate", "no-bench", "tasking.cli -> bench"),
]


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    """A copy of the package with one forbidden import added per contract: every contract breaks,
    and the report names each import that was added."""
    shutil.copytree(ROOT / "tasking", tmp_path / "tasking", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, line, _contract, _edge in FORBIDDEN:
        path = tmp_path / "tasking" / module
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")

    result = lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout + result.stderr
    assert f"0 kept, {len(CONTRACTS)} broken" in result.stdout, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    for _module, _line, contract, edge in FORBIDDEN:
        assert CONTRACTS[contract] in broken, f"{contract} not broken:\n{result.stdout}"
        assert edge in broken, f"{edge} not reported:\n{result.stdout}"


# What only the unit of work (tasking/unit_of_work.py) does to a transaction.
TRANSACTION_CONTROL = {"commit", "rollback", "begin", "begin_nested", "close"}


def transaction_calls(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TRANSACTION_CONTROL
    ]


def test_nothing_below_the_delivery_layer_commits_or_controls_the_transaction():
    """Services only add and flush; the request, command or job that opened the unit of work commits
    it, or rolls it back, once."""
    modules = sorted((ROOT / "tasking" / "services").rglob("*.py")) + sorted(
        (ROOT / "tasking" / "domain").rglob("*.py")
    )
    assert modules
    calls = [call for module in modules for call in transaction_calls(module)]
    assert calls == []


def test_the_check_sees_a_commit_when_there_is_one(tmp_path):
    module = tmp_path / "service.py"
    module.write_text("def save(session):\n    session.add(1)\n    session.commit()\n")
    assert transaction_calls(module, tmp_path) == ["service.py:3 .commit()"]
