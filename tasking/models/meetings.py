"""Tasking meetings: one record per area and date, holding who attended; the reviews decided at it
point back to it (reviews.meeting_id), so its minutes are the decisions themselves."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.models.base import Base
from tasking.models.reference import Area
from tasking.models.types import UTCDateTime, utcnow
from tasking.models.users import User


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    held_on: Mapped[date] = mapped_column(Date)
    # One attendee a line, as typed ("Sgt Jo Bell, West Midlands Police"): people come from partners
    # that have no accounts here, so they are names, not users.
    attendees: Mapped[str] = mapped_column(Text)
    chaired_by: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    recorded_by: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("area_id", "held_on"),
        CheckConstraint("attendees <> ''", name="has_attendees"),
    )

    @property
    def attendee_list(self) -> list[str]:
        return self.attendees.splitlines()
