"""The case list: every case the user may see, filtered, sorted, as CSV and on a map."""

from flask import Response, current_app, render_template, request, url_for

from tasking.clock import now
from tasking.domain import case_search as rules
from tasking.domain.errors import ValidationFailed
from tasking.domain.lifecycle import STATES
from tasking.extensions import db
from tasking.services import case_search
from tasking.web.console import bp  # noqa: F401
from tasking.web.local_time import UK
from tasking.web.session import permission_required, principal

COLUMNS = (
    ("reference", "Reference"),
    ("title", "Title"),
    ("state", "State"),
    ("level", "Level"),
    ("ward", "Ward"),
    ("owner", "Owner"),
    ("raised", "Raised"),
    ("updated", "Updated"),
    ("next_review", "Next review"),
)
LEVEL_CHOICES = [
    ("1", "Level 1"),
    ("2", "Level 2"),
    ("3", "Level 3"),
    ("4", "Level 4"),
    (rules.LEVEL_NONE, "No level yet"),
]


def _state_name(state: str) -> str:
    return state.replace("_", " ").capitalize()


def _selected(query: rules.CaseQuery, choices) -> list[dict]:
    """The MOJ filter's "selected filters": each chosen filter, and the list without it."""
    names = {
        "ward": {c.code: c.name for c in choices.wards},
        "category": {c.code: c.name for c in choices.categories},
        "owner": {c.code: c.name for c in choices.owners},
        "level": dict(LEVEL_CHOICES),
    }
    shown = []
    for field, heading in (
        ("q", "Search"),
        ("state", "State"),
        ("level", "Level"),
        ("owner", "Owner"),
        ("ward", "Ward"),
        ("category", "Category"),
    ):
        value = getattr(query, field)
        if value:
            text = _state_name(value) if field == "state" else names.get(field, {}).get(value, value)
            shown.append({"heading": heading, "text": text, "href": _list_url(query.args(**{field: None, "page": 1}))})
    if query.overdue:
        shown.append(
            {"heading": "Overdue", "text": "Overdue only", "href": _list_url(query.args(overdue=False, page=1))}
        )
    return shown


def _list_url(args: dict) -> str:
    return url_for(".cases_list", **args)


def _pagination(query: rules.CaseQuery, results) -> dict:
    """GOV.UK pagination with page numbers; every link keeps the filters and the sort."""
    items = [
        {"ellipsis": True}
        if number is None
        else {"number": number, "href": _list_url(query.args(page=number)), "current": number == results.page}
        for number in rules.page_window(results.page, results.pages)
    ]
    params: dict = {"items": items, "landmarkLabel": "Pages of cases"}
    if results.page > 1:
        params["previous"] = {"href": _list_url(query.args(page=results.page - 1))}
    if results.page < results.pages:
        params["next"] = {"href": _list_url(query.args(page=results.page + 1))}
    return params


def _sort_link(query: rules.CaseQuery, column: str) -> dict:
    """A column heading's sort: aria-sort for the sorted column, and a link that sorts by the column
    (the other way round if it is already sorted by it), back on page one."""
    current = query.sort == column
    order = ("ascending" if query.descending else "descending") if current else "ascending"
    return {
        "aria_sort": query.order if current else "none",
        "href": _list_url(query.args(sort=column, order=order, page=1)),
    }


def _render(template, *, query, args, error=None, status=200, **context):
    choices = case_search.filter_choices(db.session, principal())
    return render_template(
        template,
        query=query,
        args=args,
        error=error,
        choices=choices,
        states=[(s, _state_name(s)) for s in STATES],
        levels=LEVEL_CHOICES,
        columns=COLUMNS,
        state_name=_state_name,
        selected=[] if error else _selected(query, choices),
        sort_links={column: _sort_link(query, column) for column, _heading in COLUMNS},
        csv_url=url_for(".cases_csv", **query.args(page=1)),
        map_url=url_for(".cases_map", **query.args(page=1)),
        list_url=_list_url(query.args(page=1)),
        **context,
    ), status


def _refused(template, title, error: ValidationFailed):
    """A query the page does not offer: say which filter, show no cases (400, not a missing page)."""
    return _render(
        template,
        title=f"Error: {title}",
        query=rules.CaseQuery(),
        args={k: v for k, v in request.args.items()},
        error=error,
        status=400,
    )


@bp.get("/cases")
@permission_required("console.use")
def cases_list():
    try:
        query = rules.parse_query(request.args)
        results = case_search.search_cases(db.session, principal(), query, now=now())
    except ValidationFailed as error:
        return _refused("console/cases.html", "Cases", error)
    return _render(
        "console/cases.html",
        title="Cases",
        query=query,
        args=query.args(),
        results=results,
        pagination=_pagination(query, results),
    )


@bp.get("/cases.csv")
@permission_required("console.use")
def cases_csv():
    try:
        query = rules.parse_query(request.args)
        text = case_search.cases_csv(db.session, principal(), query, now=now())
    except ValidationFailed as error:
        return _refused("console/cases.html", "Cases", error)
    filename = f"cases-{now().astimezone(UK).date().isoformat()}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/cases/map")
@permission_required("console.use")
def cases_map():
    try:
        query = rules.parse_query(request.args)
        found = case_search.case_map(db.session, principal(), query, now=now())
    except ValidationFailed as error:
        return _refused("console/cases_map.html", "Map of cases", error)
    points = [
        {
            "reference": p.reference,
            "title": p.title,
            "lat": p.latitude,
            "lng": p.longitude,
            "url": url_for(".case_page", reference=p.reference),
        }
        for p in found.points
    ]
    return _render(
        "console/cases_map.html",
        title="Map of cases",
        query=query,
        args=query.args(page=1),
        found=found,
        map_data={
            "tiles": current_app.config["MAP_TILE_URL"],
            "attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
            "points": points,
        },
    )
