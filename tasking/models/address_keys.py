"""The SQL behind the indexed search for reports at the same address (docs/levels.md, "The same
problem"), shared by the index definitions and the query so that the planner can match them.

An address is compared case folded with its spaces collapsed (tasking.domain.similarity.
normal_address). SQL can do exactly that only for a plain address, one of the printable ASCII
characters from space to "}": there the only whitespace is the space and lower() is casefold().
`ADDRESS_KEY` is that normal form of a plain address, indexed with the category, ward and date; every
other address (accents, tabs, "~", the marker the collapsing uses) is in a small partial index of its
own (`UNUSUAL_ADDRESS`) and is compared by the domain rule like any other candidate. The same SQL runs
on PostgreSQL and SQLite, except the partial index's test (a regular expression or a GLOB).
"""

from sqlalchemy import Boolean, String, literal_column

# Runs of spaces collapse: each space gets a marker after it, a marker before a space goes, and so
# do the markers left; then the ends are trimmed and the letters lowered. Written as PostgreSQL shows
# it back (ltrim and rtrim, not trim), so that `flask db check` sees no change in the index.
ADDRESS_KEY = "lower(ltrim(rtrim(replace(replace(replace(address, ' ', ' ~'), '~ ', ''), '~', ''))))"
UNUSUAL_ADDRESS = {"postgresql": "address ~ '[^ -}]'", "sqlite": "address GLOB '*[^ -}]*'"}


def address_key():
    """The expression as written in the index (the planner matches it as text), for comparisons."""
    return literal_column(ADDRESS_KEY, String)


def unusual_address(dialect: str):
    return literal_column(UNUSUAL_ADDRESS["postgresql" if dialect == "postgresql" else "sqlite"], Boolean)
