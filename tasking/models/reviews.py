"""Escalation reviews, and the notification outbox written in the same transaction as the change."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.levels import LEVELS
from tasking.domain.reviews import REVIEW_OUTCOMES, REVIEW_STATES
from tasking.models.base import Base, in_list_check
from tasking.models.cases import Case
from tasking.models.meetings import Meeting
from tasking.models.types import UTCDateTime, utcnow

NOTIFICATION_STATES = ("pending", "sending", "sent", "failed")
NOTIFICATION_KINDS = (
    "review_due",
    "review_overdue",
    "task_offered",
    "task_declined",
    "case_returned",
    "follow_up_due",
    "clock_warned",
    "clock_breached",
)


class ReviewSchedule(Base):
    """When an open case's next review falls due, and how its last ones went: one narrow row per open
    case with a review cycle, so that the sweep claims and moves these rows and never rewrites the
    wide, heavily indexed case row. Deleted when the case closes; made afresh when it reopens
    (services/review_schedule.py is the one place that sets it)."""

    __tablename__ = "review_schedules"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    next_review_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The sequence of the last review made; the next one is cycle + 1 (reviews are unique per case and sequence).
    cycle: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The last review was late: the case is flagged for escalation until a decision.
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Cycles missed in a row with the work not done (docs/reviews.md).
    missed_cycles: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (Index("ix_review_schedules_due", "next_review_at", "case_id"),)


class Review(Base):
    """One review of one case in one cycle; (case, sequence) is unique, so no sweep can make two."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    overdue: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    outcome: Mapped[str | None] = mapped_column(String(20))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    # What was decided, for the minutes: the case's level once decided, and the reason given.
    level: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    # The tasking meeting whose minutes record this decision, when it was taken at one.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)

    case: Mapped[Case] = relationship()
    meeting: Mapped[Meeting | None] = relationship()

    __table_args__ = (
        UniqueConstraint("case_id", "sequence"),
        CheckConstraint(in_list_check("state", REVIEW_STATES), name="state"),
        CheckConstraint(f"outcome IS NULL OR {in_list_check('outcome', REVIEW_OUTCOMES)}", name="outcome"),
        CheckConstraint("(state = 'pending') = (outcome IS NULL)", name="decided_has_outcome"),
        CheckConstraint(f"level IS NULL OR {in_list_check('level', LEVELS)}", name="level"),
        Index("ix_reviews_state_due", "state", "due_at"),
    )


class Notification(Base):
    """A message waiting to be sent. The dedupe key makes writing it twice write it once; the
    sender claims a row before sending, so it is sent once."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(in_list_check("state", NOTIFICATION_STATES), name="state"),
        CheckConstraint(in_list_check("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint("state <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_notifications_state_next", "state", "next_attempt_at"),
    )
