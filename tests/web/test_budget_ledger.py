"""The budget ledger names each spend by its case's reference, in date order (issue 19, finding 8:
it showed database ids and kept the order spends were keyed in)."""

import re
from datetime import date, datetime, timezone

from sqlalchemy import update

from tasking.models import Case
from tests.clock import freeze_clock
from tests.web.test_console_pages import web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML

# Two dates in the open financial year (issue 20: only it takes spend), seen from a fixed day in it;
# the cases are dated earlier, as a spend is never dated before its case.
MOMENT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
LATER, EARLIER = date(2026, 10, 30), date(2026, 10, 13)
YEAR = 2026
ROW = re.compile(
    r'<td class="govuk-table__cell">(\d+ \w{3} \d{4})</td>\s*<td class="govuk-table__cell"><a[^>]*>([^<]+)</a>'
)


def test_the_ledger_shows_case_references_in_date_order(caller, web_user, session, monkeypatch):
    freeze_clock(monkeypatch, MOMENT)
    api = caller("area_manager", areas=["SW"])
    references = []
    for title in ("Mattresses on Caldmore Road", "Graffiti on Bath Street"):
        raised = api.post(
            "/api/v1/cases",
            json={"title": title, "description": "Reported.", "category": "fly-tipping", "ward": "st-matthews"},
        )
        references.append(raised.json["reference"])
    with session.begin():
        session.execute(update(Case).values(created_at=datetime(2026, 10, 1, tzinfo=timezone.utc)))
    # Keyed in this order, the later date first.
    for reference, on in ((references[0], LATER), (references[1], EARLIER)):
        spent = api.post(
            f"/api/v1/cases/{reference}/spend",
            json={
                "amount_pence": 12_500,
                "description": "Skip hire",
                "spent_on": on.isoformat(),
            },
        )
        assert spent.status_code == 201, spent.json

    page = web_user("area_manager", area_codes=["SW"]).get(f"/budget?area=SW&year={YEAR}", headers=HTML)

    assert page.status_code == 200
    rows = ROW.findall(page.get_data(as_text=True))
    assert rows == [
        (f"{EARLIER:%-d %b %Y}", references[1]),
        (f"{LATER:%-d %b %Y}", references[0]),
    ]
