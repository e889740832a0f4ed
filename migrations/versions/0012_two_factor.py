"""two-factor sign-in: a TOTP secret, the last step used, recovery code hashes, wrong-code throttling

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 03:00:00

users.two_factor_secret holds the confirmed TOTP secret (RFC 6238, base32) and
users.two_factor_pending_secret the one shown on the enrolment page until a code confirms it;
users.two_factor_enabled_at says since when two-factor sign-in is on. two_factor_last_step is the
last 30-second step a code was accepted for, so that no code is accepted twice;
two_factor_recovery_hashes the SHA-256 hashes of the unused recovery codes, one a line;
two_factor_failures and two_factor_blocked_until hold the code page back after five wrong codes
(tasking/services/two_factor.py). Nobody has two-factor sign-in on at the upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("two_factor_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("two_factor_pending_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("two_factor_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("two_factor_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("two_factor_recovery_hashes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("two_factor_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("two_factor_blocked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint("two_factor_failures_not_negative", "two_factor_failures >= 0")
        batch_op.create_check_constraint(
            "two_factor_enabled_has_secret", "two_factor_enabled_at IS NULL OR two_factor_secret IS NOT NULL"
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_two_factor_enabled_has_secret"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_two_factor_failures_not_negative"), type_="check")
        batch_op.drop_column("two_factor_blocked_until")
        batch_op.drop_column("two_factor_failures")
        batch_op.drop_column("two_factor_recovery_hashes")
        batch_op.drop_column("two_factor_last_step")
        batch_op.drop_column("two_factor_enabled_at")
        batch_op.drop_column("two_factor_pending_secret")
        batch_op.drop_column("two_factor_secret")
