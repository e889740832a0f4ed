"""indexes for raising a case in constant time (issue 22)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 12:00:00

Raising a case looks for earlier reports of the same problem. Without coordinates or a postcode it
compared the address with every report of the category in the ward over the look-back window, read
from the table and compared in Python, a set that grows with the table. The address as compared
(case folded, spaces collapsed) is now indexed with the category, ward and date; the rare addresses
SQL cannot fold exactly (anything but printable ASCII) have a partial index of their own. The
coordinates index carries the date, so reports outside the window are passed over in the index.
The expressions are in tasking/models/address_keys.py as of this revision, copied here so that the
migration never changes with the code.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ADDRESS_KEY = "lower(ltrim(rtrim(replace(replace(replace(address, ' ', ' ~'), '~ ', ''), '~', ''))))"
UNUSUAL_ADDRESS = {"postgresql": "address ~ '[^ -}]'", "sqlite": "address GLOB '*[^ -}]*'"}


def upgrade():
    op.create_index("ix_cases_address_key", "cases", ["category_id", "ward_id", sa.text(ADDRESS_KEY), "created_at"])
    op.create_index(
        "ix_cases_unusual_address",
        "cases",
        ["category_id", "ward_id", "created_at"],
        postgresql_where=sa.text(UNUSUAL_ADDRESS["postgresql"]),
        sqlite_where=sa.text(UNUSUAL_ADDRESS["sqlite"]),
    )
    op.drop_index("ix_cases_category_coords", table_name="cases")
    op.create_index("ix_cases_category_coords", "cases", ["category_id", "latitude", "longitude", "created_at"])


def downgrade():
    op.drop_index("ix_cases_category_coords", table_name="cases")
    op.create_index("ix_cases_category_coords", "cases", ["category_id", "latitude", "longitude"])
    op.drop_index("ix_cases_unusual_address", table_name="cases")
    op.drop_index("ix_cases_address_key", table_name="cases")
