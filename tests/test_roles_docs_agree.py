"""What the README and docs/roles.md say each role may do is what the permissions table
(tasking/domain/permissions.py) lets it do.

- README.md, "Who may do what": one row per role, its actions with their scopes, in the table's order.
  On a difference the test prints the rows as they should read, to paste in.
- docs/roles.md: every table whose header starts `| role |` is read cell by cell (the role's scope
  word, or `-`), and together the tables have a column for every action of the permissions table,
  no more, no fewer.
"""

import re
from pathlib import Path

from tasking.domain.permissions import PERMISSIONS, actions_of
from tasking.domain.roles import Role

ROOT = Path(__file__).resolve().parent.parent


def _tables(text: str) -> list[list[list[str]]]:
    """Markdown tables whose header's first cell is `role`, as rows of cells (header included, rule left out)."""
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = [cells] if cells[0] == "role" else []
            elif not re.fullmatch(r"-+", cells[0]):
                current.append(cells)
        else:
            if current:
                tables.append(current)
            current = None
    if current:
        tables.append(current)
    return tables


def readme_rows() -> list[str]:
    rows = []
    for role in Role:
        may = ", ".join(f"{action} ({scope.value})" for action, scope in actions_of(role).items()) or "-"
        rows.append(f"| {role.value} | {may} |")
    return rows


def test_the_readme_says_what_each_role_may_do():
    text = (ROOT / "README.md").read_text()
    section = text.split("### Who may do what", 1)
    assert len(section) == 2, "README.md has no 'Who may do what' section"
    stated = [t for t in _tables(section[1]) if t[0] == ["role", "may"]]
    assert stated, "README.md's 'Who may do what' has no `| role | may |` table"
    got = [f"| {role} | {may} |" for role, may in stated[0][1:]]
    expected = readme_rows()
    assert got == expected, "README.md's 'Who may do what' should read:\n| role | may |\n|---|---|\n" + "\n".join(
        expected
    )


def test_docs_roles_states_every_cell_of_the_table():
    tables = [t for t in _tables((ROOT / "docs" / "roles.md").read_text()) if len(t[0]) > 2]
    documented: dict[str, dict[Role, str]] = {}
    for header, *rows in tables:
        assert sorted(r[0] for r in rows) == sorted(r.value for r in Role), f"one row per role in {header}"
        for column, action in enumerate(header[1:], start=1):
            assert action not in documented, f"{action} is documented twice"
            documented[action] = {Role(row[0]): row[column] for row in rows}
    assert sorted(documented) == sorted(PERMISSIONS), "docs/roles.md has a column for each action, and only those"
    wrong = []
    for action, row in PERMISSIONS.items():
        for role in Role:
            expected = row[role].value if role in row else "-"
            if documented[action][role] != expected:
                wrong.append(f"{action} for {role.value}: docs say {documented[action][role]}, the table {expected}")
    assert not wrong, "\n".join(wrong)
