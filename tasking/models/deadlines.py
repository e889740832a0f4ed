"""Deadlines (docs/deadlines.md): the local holidays admins add to the working-day calendar, the
targets each clock is set from, the clocks themselves, and the waits on someone outside the service
that pause a case's clocks."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.deadlines import CLOCK_KINDS, TARGET_KINDS, WAITING_ON
from tasking.models.base import Base, in_list_check
from tasking.models.cases import Case, Task
from tasking.models.reference import Category, Organisation
from tasking.models.types import UTCDateTime, utcnow


class LocalHoliday(Base):
    """A day the council's offices are closed besides the bank holidays (a local holiday, a closure)."""

    __tablename__ = "local_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("name <> ''", name="has_name"),)


class Target(Base):
    """How many working days a clock of a kind runs. The most specific row applies: one naming the
    organisation, or the category and level, before one naming the level alone, before the kind's
    default (neither)."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    working_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        CheckConstraint(in_list_check("kind", TARGET_KINDS), name="kind"),
        CheckConstraint("working_days > 0 AND working_days <= 400", name="working_days_in_range"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 4", name="level_in_range"),
        Index("ix_targets_kind", "kind"),
    )


class Clock(Base):
    """One deadline being kept: for a case (first response, a councillor's acknowledgement and answer)
    or for a partner's task (accepting, completing). `due_at` and `warn_at` already include the
    working time the clock spent paused; `paused_at` is set while its case waits on someone outside."""

    __tablename__ = "clocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    # Whose clock it is: the partner organisation for a task's clocks, none for the council's own.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    level: Mapped[int | None] = mapped_column(Integer)
    target_working_days: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Working seconds from start to stop, less pauses: what the distributions are made of.
    elapsed_seconds: Mapped[int | None] = mapped_column(Integer)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stopped because what it timed will not happen (the task withdrawn, the case re-routed): neither
    # met nor missed, and left out of the figures.
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    case: Mapped[Case] = relationship()
    task: Mapped[Task | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        CheckConstraint(in_list_check("kind", CLOCK_KINDS), name="kind"),
        CheckConstraint("paused_seconds >= 0", name="paused_not_negative"),
        CheckConstraint("due_at >= started_at", name="due_after_start"),
        Index("ix_clocks_case", "case_id", "kind"),
        Index("ix_clocks_task", "task_id"),
        # The sweep's two questions: which running clocks are near their due time, and which past it.
        Index("ix_clocks_running_warn", "warn_at"),
        Index("ix_clocks_running_due", "due_at"),
        Index("ix_clocks_org", "organisation_id", "started_at"),
        Index("ix_clocks_area", "area_id", "started_at"),
    )


class CaseWait(Base):
    """A case waiting on someone outside the service: while open, the case's clocks are paused."""

    __tablename__ = "case_waits"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    waiting_on: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    __table_args__ = (
        CheckConstraint(in_list_check("waiting_on", WAITING_ON), name="waiting_on"),
        CheckConstraint("reason <> ''", name="has_reason"),
        Index("ix_case_waits_case", "case_id", "ended_at"),
    )
