"""The case list's query as typed into a page: which filters, which sort, which page; and the CSV
export's cells (docs/console.md, "Cases, the map and my work").

Codes that name rows (ward, category, owner organisation) are checked against the database by the
service (tasking/services/case_search.py); everything that can be checked without it is checked here,
so a bad query is refused before anything is read.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tasking.domain.errors import ValidationFailed
from tasking.domain.levels import LEVELS
from tasking.domain.lifecycle import STATES

UK = ZoneInfo("Europe/London")
PAGE_SIZE = 50
# The columns a person may sort by, as the page names them.
SORTS = ("reference", "title", "state", "level", "ward", "owner", "raised", "updated", "next_review")
ORDERS = ("ascending", "descending")
# Most recently changed first: what moved since the last look.
DEFAULT_SORT, DEFAULT_ORDER = "updated", "descending"
# Owner filter values besides an organisation's code: owned by a person of the area's staff (a
# level-two case), or by nobody yet (waiting in triage).
OWNER_AREA_STAFF, OWNER_NONE = "area-staff", "none"
LEVEL_NONE = "none"  # not yet given a level
Q_MAX = 100

CSV_COLUMNS = (
    "reference",
    "title",
    "state",
    "level",
    "suggested_level",
    "area",
    "ward",
    "category",
    "owner",
    "raised_at",
    "updated_at",
    "next_review_at",
    "overdue",
)


@dataclass(frozen=True)
class CaseQuery:
    state: str | None = None
    level: str | None = None  # "1".."4" or LEVEL_NONE
    owner: str | None = None  # an organisation code, OWNER_AREA_STAFF or OWNER_NONE
    ward: str | None = None
    category: str | None = None
    overdue: bool = False
    q: str | None = None
    sort: str = DEFAULT_SORT
    order: str = DEFAULT_ORDER
    page: int = 1

    @property
    def descending(self) -> bool:
        return self.order == "descending"

    def filtered(self) -> bool:
        return any((self.state, self.level, self.owner, self.ward, self.category, self.overdue, self.q))

    def args(self, **changes) -> dict[str, str]:
        """The query as URL arguments, leaving out what is the default, with `changes` applied."""
        query = replace(self, **changes)
        default = CaseQuery()
        out: dict[str, str] = {}
        for name, value in asdict(query).items():
            if value == getattr(default, name) or value in (None, "", False):
                continue
            out[name] = "yes" if value is True else str(value)
        return out


def _choice(args: Mapping[str, str], name: str) -> str | None:
    return (args.get(name) or "").strip() or None


def parse_query(args: Mapping[str, str]) -> CaseQuery:
    """A CaseQuery from the page's arguments, or ValidationFailed naming every argument that is not
    one the page offers."""
    errors: dict[str, list[str]] = {}
    state, level = _choice(args, "state"), _choice(args, "level")
    if state is not None and state not in STATES:
        errors["state"] = ["Choose a state from the list."]
    if level is not None and level != LEVEL_NONE and level not in {str(n) for n in LEVELS}:
        errors["level"] = ["Choose a level from the list."]
    q = _choice(args, "q")
    if q is not None and len(q) > Q_MAX:
        errors["q"] = [f"Search for {Q_MAX} characters or fewer."]
    overdue = _choice(args, "overdue")
    if overdue not in (None, "yes"):
        errors["overdue"] = ["Tick the box or leave it empty."]
    sort, order = _choice(args, "sort") or DEFAULT_SORT, _choice(args, "order") or DEFAULT_ORDER
    if sort not in SORTS:
        errors["sort"] = ["Sort by one of the table's columns."]
    if order not in ORDERS:
        errors["order"] = ["Sort ascending or descending."]
    raw_page = _choice(args, "page") or "1"
    page = int(raw_page) if raw_page.isdigit() else 0
    if page < 1:
        errors["page"] = ["The page is a whole number, 1 or more."]
    if errors:
        raise ValidationFailed("The filters are not ones this page offers.", errors)
    return CaseQuery(
        state=state,
        level=level,
        owner=_choice(args, "owner"),
        ward=_choice(args, "ward"),
        category=_choice(args, "category"),
        overdue=overdue == "yes",
        q=q,
        sort=sort,
        order=order,
        page=page,
    )


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for `total` rows; an empty list is still one (empty) page."""
    return max(1, -(-total // size))


def page_window(current: int, pages: int) -> list[int | None]:
    """Page numbers to link to: the first, the last, and the current one with its neighbours;
    None where numbers are left out (an ellipsis)."""
    shown = sorted({1, pages, *(n for n in (current - 1, current, current + 1) if 1 <= n <= pages)})
    out: list[int | None] = []
    for number in shown:
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def spreadsheet_safe(value: str) -> str:
    """Typed text as a cell no spreadsheet takes for a formula (OWASP's CSV injection advice)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def uk_iso(value: datetime | None) -> str:
    """A stored UTC time as UK local time in ISO 8601 with its offset: 2026-07-01T10:30:00+01:00."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(UK).isoformat(timespec="seconds")
