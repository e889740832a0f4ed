"""The case aggregate: a case, its notes, and the per-area counter behind its reference."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.levels import LEVELS
from tasking.domain.lifecycle import STATES
from tasking.domain.organisations import CASE_SOURCES, NOTE_VISIBILITIES
from tasking.domain.risk import RISK_FLAGS
from tasking.domain.tasks import TASK_ROLES, TASK_STATES
from tasking.models.address_keys import ADDRESS_KEY, UNUSUAL_ADDRESS
from tasking.models.base import Base, in_list_check
from tasking.models.reference import Area, Category, Organisation, Ward
from tasking.models.types import JSONDocument, UTCDateTime, utcnow
from tasking.models.users import User

if TYPE_CHECKING:
    from tasking.models.reviews import ReviewSchedule


class CaseSequence(Base):
    """Last reference number used per area and year; the row is locked while a case is numbered."""

    __tablename__ = "case_sequences"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


def _present(condition: str) -> dict:
    """A partial index over the rows where an optional value is given: every query it serves asks
    for a value (`=`, `BETWEEN`), which implies the condition, and rows without one are most rows
    and never read through it (docs/performance.md, "Partial indexes")."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


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
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    coordinator_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Why the case waits in its area's triage queue when routing could not place it.
    routing_reason: Mapped[str | None] = mapped_column(Text)
    # Classification facts recorded by staff, and the stored suggestion shown in the triage queue.
    agencies_needed: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    barrier_id: Mapped[int | None] = mapped_column(ForeignKey("barriers.id", ondelete="RESTRICT"))
    referred_back: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    case_review_flag: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    suggested_level: Mapped[int | None] = mapped_column(Integer)
    suggestion_reasons: Mapped[list | None] = mapped_column(JSONDocument)
    # Number of risk flags, kept so the triage queue can sort by risk on an index.
    risk_score: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    # A household or person the case is about, as a pseudonym (never a name): for person-based
    # categories only cases with the same subject are the same problem. Shown to area staff only.
    subject_ref: Mapped[str | None] = mapped_column(String(40))
    # The organisation a person named to lead the case, in place of the category's default
    # (front-line service at level one, lead partner at level three); the reason is in the audit.
    lead_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    # Why the case is in its area's triage queue when it was put there with a reason (a lead
    # declined, a councillor's request held for the area manager, a level-one job stalled).
    triage_reason: Mapped[str | None] = mapped_column(Text)
    # All its tasks are finished: the owner should resolve it (it is never closed behind their back).
    ready_to_resolve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Personal details of the resident who reported it: shown only to area staff and admins.
    reporter_name: Mapped[str | None] = mapped_column(String(160))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    reporter_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    media_url: Mapped[str | None] = mapped_column(String(500))
    open311_client_id: Mapped[int | None] = mapped_column(ForeignKey("open311_clients.id", ondelete="RESTRICT"))
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
    owner_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[owner_organisation_id])
    lead_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[lead_organisation_id])
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    barrier: Mapped["Barrier | None"] = relationship()
    # The review bookkeeping lives in its own narrow row (models/reviews.py), loaded with the case so
    # that showing its next review date costs no statement of its own; none while the case is closed.
    review_schedule: Mapped["ReviewSchedule | None"] = relationship(
        lazy="joined", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    # Optimistic locking: an UPDATE whose version moved underneath it matches no row and fails.
    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint(in_list_check("state", STATES), name="state"),
        CheckConstraint(in_list_check("source", CASE_SOURCES), name="source"),
        CheckConstraint(f"level IS NULL OR {in_list_check('level', LEVELS)}", name="level"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_pair"),
        CheckConstraint(
            f"suggested_level IS NULL OR {in_list_check('suggested_level', LEVELS)}", name="suggested_level"
        ),
        CheckConstraint("agencies_needed >= 1", name="agencies_needed"),
        CheckConstraint("duplicate_of_id IS NULL OR state = 'duplicate'", name="duplicate_link"),
        # Nothing is dropped: a levelled case has an owner, or waits in triage with the reason.
        CheckConstraint(
            "level IS NULL OR owner_organisation_id IS NOT NULL OR owner_user_id IS NOT NULL "
            "OR routing_reason IS NOT NULL",
            name="levelled_case_has_owner",
        ),
        # The triage queue in its own order, for the waiting cases only: the first page is an index scan.
        Index(
            "ix_cases_triage_priority",
            "area_id",
            # PostgreSQL's spelling, as it reflects it (migration 0016 writes CAST(...) on SQLite).
            text("(case_review_flag::integer) DESC"),
            text("risk_score DESC"),
            text("suggested_level DESC"),
            "created_at",
            "id",
            postgresql_where=text("state IN ('new', 'returned')"),
            sqlite_where=text("state IN ('new', 'returned')"),
        ),
        Index("ix_cases_similar", "category_id", "ward_id", "created_at"),
        # Reports of the same problem (tasking/services/suggestions.py): by coordinates (the date
        # checked in the index, not on the row), by the address as compared, and the few addresses
        # SQL cannot compare (tasking/models/address_keys.py).
        Index(
            "ix_cases_category_coords",
            "category_id",
            "latitude",
            "longitude",
            "created_at",
            **_present("latitude IS NOT NULL AND longitude IS NOT NULL"),
        ),
        Index("ix_cases_address_key", "category_id", "ward_id", text(ADDRESS_KEY), "created_at"),
        Index(
            "ix_cases_unusual_address",
            "category_id",
            "ward_id",
            "created_at",
            postgresql_where=text(UNUSUAL_ADDRESS["postgresql"]),
            sqlite_where=text(UNUSUAL_ADDRESS["sqlite"]),
        ),
        Index("ix_cases_owner_user_state", "owner_user_id", "state", **_present("owner_user_id IS NOT NULL")),
        Index("ix_cases_created", "created_at"),
        Index("ix_cases_area_state_created", "area_id", "state", "created_at"),
        Index("ix_cases_ward_state_created", "ward_id", "state", "created_at"),
        Index("ix_cases_updated", "updated_at", "id"),
        Index("ix_cases_category_created", "category_id", "created_at"),
        Index("ix_cases_owner_org_state", "owner_organisation_id", "state"),
        Index("ix_cases_subject", "category_id", "subject_ref", "created_at", **_present("subject_ref IS NOT NULL")),
        Index("ix_cases_postcode", "category_id", "postcode", "created_at", **_present("postcode IS NOT NULL")),
        Index("ix_cases_barrier_id", "barrier_id", **_present("barrier_id IS NOT NULL")),
    )

    # The review bookkeeping as the case shows it (API, pages, agenda); set only by
    # services/review_schedule.py and the sweep.
    @property
    def next_review_at(self) -> datetime | None:
        return self.review_schedule.next_review_at if self.review_schedule else None

    @property
    def overdue(self) -> bool:
        return bool(self.review_schedule and self.review_schedule.overdue)

    @property
    def missed_reviews(self) -> int:
        return self.review_schedule.missed_cycles if self.review_schedule else 0

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
        self.risk_score = len(chosen)


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


class Barrier(Base):
    """Something a case cannot get past locally: a borough policy or system, or a shared obstacle."""

    __tablename__ = "barriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    borough_level: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseLink(Base):
    """Two cases of the same problem (`similar`) or one a duplicate of the other. Stored both ways."""

    __tablename__ = "case_links"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    other_case: Mapped[Case] = relationship(foreign_keys=[other_case_id])

    __table_args__ = (
        CheckConstraint("kind IN ('similar', 'duplicate')", name="kind"),
        CheckConstraint("case_id <> other_case_id", name="not_self"),
        Index("ix_case_links_other", "other_case_id"),
    )


class LevelChange(Base):
    """One decision about a case's level: from, to, what was suggested, why, who and when."""

    __tablename__ = "level_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    from_level: Mapped[int | None] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)
    suggested_level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(in_list_check("to_level", LEVELS), name="to_level"),
        CheckConstraint("kind IN ('decision', 'escalation', 'de_escalation', 'confirmation')", name="kind"),
        Index("ix_level_changes_case", "case_id", "id"),
    )


class Task(Base):
    """Part of a case offered to one organisation."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="offered")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint(in_list_check("state", TASK_STATES), name="state"),
        CheckConstraint(in_list_check("role", TASK_ROLES), name="role"),
        Index("ix_tasks_case", "case_id"),
        Index("ix_tasks_org_state_updated", "organisation_id", "state", "updated_at", "id"),
        Index("ix_tasks_org_updated", "organisation_id", "updated_at", "id"),
        # A partner's page, newest first, of one state or all (the lean read, issue 22).
        Index("ix_tasks_org_state_id", "organisation_id", "state", "id"),
        Index("ix_tasks_org_id", "organisation_id", "id"),
    )


class Open311Client(Base):
    """A reporting tool (such as FixMyStreet) allowed to POST requests; only a hash of its key is kept."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
