"""People who use tasking, the areas and wards they cover, and their API tokens."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.roles import Role
from tasking.models.base import Base, in_list_check
from tasking.models.reference import Area, Organisation, Ward
from tasking.models.types import UTCDateTime, utcnow

user_areas = Table(
    "user_areas",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

user_wards = Table(
    "user_wards",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("wards.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Carried in the signed session cookie from sign-in and compared on every request: signing out,
    # a new password, deactivation and "sign out everywhere" add one, ending every earlier session.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Sign-in failures since the last success; from the fifth on, each blocks signing in for a while
    # (tasking/services/sign_in.py).
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sign_in_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (tasking/services/two_factor.py): the TOTP secret (base32) once enrolment
    # is confirmed, the one being enrolled until then, the last time step a code was accepted for
    # (a code is never accepted twice), SHA-256 hashes of the unused recovery codes (one a line),
    # and wrong codes since the last right one, holding the second step back after the fifth.
    two_factor_secret: Mapped[str | None] = mapped_column(String(64))
    two_factor_pending_secret: Mapped[str | None] = mapped_column(String(64))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    two_factor_last_step: Mapped[int | None] = mapped_column(Integer)
    two_factor_recovery_hashes: Mapped[str | None] = mapped_column(Text)
    two_factor_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    two_factor_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=user_areas, order_by=Area.name)
    wards: Mapped[list[Ward]] = relationship(secondary=user_wards, order_by=Ward.name)

    __table_args__ = (
        CheckConstraint(in_list_check("role", [r.value for r in Role]), name="role"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("role <> 'partner' OR organisation_id IS NOT NULL", name="partner_has_organisation"),
        CheckConstraint("session_version >= 0", name="session_version_not_negative"),
        CheckConstraint("failed_sign_ins >= 0", name="failed_sign_ins_not_negative"),
        CheckConstraint("two_factor_failures >= 0", name="two_factor_failures_not_negative"),
        CheckConstraint(
            "two_factor_enabled_at IS NULL OR two_factor_secret IS NOT NULL", name="two_factor_enabled_has_secret"
        ),
    )


class ApiToken(Base):
    """A bearer token. Only a SHA-256 of the secret is kept; the prefix identifies it to people."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
