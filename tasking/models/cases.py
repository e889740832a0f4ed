"""The case aggregate: a case, its notes, and the per-area counter behind its reference."""
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.levels import LEVELS
from tasking.domain.lifecycle import STATES
from tasking.domain.organisations import CASE_SOURCES, NOTE_VISIBILITIES
from tasking.domain.risk import RISK_FLAGS
from tasking.models.base import Base, in_list_check
from tasking.models.reference import Area, Category, Organisation, Ward
from tasking.models.types import UTCDateTime, utcnow
from tasking.models.users import User


class CaseSequence(Base):
    """Last reference number used per area and year; the row is locked while a case is numbered."""

    __tablename__ = "case_sequences"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="RESTRICT"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    level: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="new")
    owner_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_vulnerable_person: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_hate_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_repeat_victim: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    category: Mapped[Category] = relationship()
    ward: Mapped[Ward] = relationship()
    area: Mapped[Area] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    owner_organisation: Mapped[Organisation | None] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])

    # Optimistic locking: an UPDATE whose version moved underneath it matches no row and fails.
    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint(in_list_check("state", STATES), name="state"),
        CheckConstraint(in_list_check("source", CASE_SOURCES), name="source"),
        CheckConstraint(f"level IS NULL OR {in_list_check('level', LEVELS)}", name="level"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_pair"),
        Index("ix_cases_area_state_created", "area_id", "state", "created_at"),
        Index("ix_cases_ward_state_created", "ward_id", "state", "created_at"),
        Index("ix_cases_updated", "updated_at", "id"),
        Index("ix_cases_category_created", "category_id", "created_at"),
        Index("ix_cases_owner_org_state", "owner_organisation_id", "state"),
    )

    @property
    def risk_flags(self) -> list[str]:
        return [flag for flag in RISK_FLAGS if getattr(self, f"risk_{flag}")]

    @risk_flags.setter
    def risk_flags(self, flags) -> None:
        chosen = set(flags)
        unknown = chosen - set(RISK_FLAGS)
        if unknown:
            raise ValueError(f"unknown risk flags: {sorted(unknown)}")
        for flag in RISK_FLAGS:
            setattr(self, f"risk_{flag}", flag in chosen)


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(in_list_check("visibility", NOTE_VISIBILITIES), name="visibility"),
        Index("ix_case_notes_case_created", "case_id", "created_at"),
    )
