"""sessions that end when they should, and sign-in failures counted per account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09 02:00:00

users.session_version is carried in the signed session cookie from sign-in and compared on every
request; signing out, a new password, deactivation and an operator's "sign out everywhere" add one.
Users who exist at the upgrade start at 1 (new users at 0), so every cookie issued before it (which
carries no version and is read as 0) stops working at the upgrade.

users.failed_sign_ins counts sign-in failures since the last success and users.sign_in_blocked_until
holds the account's sign-in back after the fifth (tasking/services/sign_in.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("sign_in_blocked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint("session_version_not_negative", "session_version >= 0")
        batch_op.create_check_constraint("failed_sign_ins_not_negative", "failed_sign_ins >= 0")
    op.execute("UPDATE users SET session_version = 1")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_failed_sign_ins_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_session_version_not_negative"), type_="check")
        batch_op.drop_column("sign_in_blocked_until")
        batch_op.drop_column("failed_sign_ins")
        batch_op.drop_column("session_version")
