"""Reference data: area partnerships, wards, organisations and categories."""

from sqlalchemy import Boolean, CheckConstraint, Column, Float, ForeignKey, Integer, String, Table, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.levels import LEVELS
from tasking.domain.organisations import ORGANISATION_KINDS
from tasking.domain.similarity import SIMILARITY_BASES
from tasking.models.base import Base, in_list_check


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    wards: Mapped[list["Ward"]] = relationship(back_populates="area", order_by="Ward.name")

    __table_args__ = (CheckConstraint("code = upper(code)", name="code_upper"),)


class Ward(Base):
    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    # The ward's rough centre, for placing reports that arrive with coordinates only.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    area: Mapped[Area] = relationship(back_populates="wards")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Completing its level-one task resolves the case it owns (docs/routing.md, "The level-one loop");
    # an organisation that wants the area manager to check its work first turns this off.
    resolves_on_completion: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (CheckConstraint(in_list_check("kind", ORGANISATION_KINDS), name="kind"),)


category_support_organisations = Table(
    "category_support_organisations",
    Base.metadata,
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True),
)


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    default_level: Mapped[int] = mapped_column(Integer)
    frontline_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    lead_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # How Open311 clients show the category to residents.
    group: Mapped[str] = mapped_column(String(80), default="", server_default="")
    keywords: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Whether three reports in six months meet the ASB case-review threshold (Community Trigger).
    case_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What "the same problem" means for the category (docs/levels.md, "The same problem"): `place`
    # compares where it happens, within `similar_radius_m` (the policy's radius when unset); `person`
    # compares the case's pseudonymous subject reference.
    similarity: Mapped[str] = mapped_column(String(10), default="place", server_default="place")
    similar_radius_m: Mapped[float | None] = mapped_column(Float)

    frontline_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[frontline_organisation_id])
    lead_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[lead_organisation_id])
    # The other agencies named for the category: offered tasks at level three.
    support_organisations: Mapped[list[Organisation]] = relationship(
        secondary=category_support_organisations, order_by=Organisation.code
    )

    __table_args__ = (
        CheckConstraint(in_list_check("default_level", LEVELS), name="default_level"),
        CheckConstraint(in_list_check("similarity", SIMILARITY_BASES), name="similarity"),
        CheckConstraint("similar_radius_m IS NULL OR similar_radius_m > 0", name="similar_radius_positive"),
    )
