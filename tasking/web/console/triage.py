"""Triage: the area's new and returned cases as a filtered, sortable table, each confirmed or set
to a level, or several confirmed at once (docs/console.md, "Triage")."""

from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.classification import reason_needed
from tasking.domain.errors import TaskingError
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import triage
from tasking.unit_of_work import discard
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act, case_or_404, decide_level
from tasking.web.session import permission_required, principal

PAGE_SIZE = 50
PLACES = ("area", "ward", "category", "source")
# The query string a triage page is shown with: filters, sort and page number.
KEYS = (*PLACES, "level", "flags", "sort", "dir", "page")
SOURCE_NAMES = {
    "councillor": "Councillor",
    "resident": "Resident",
    "partner": "Partner",
    "staff": "Staff",
    "open311": "Open311 (FixMyStreet)",
}
WHAT_TO_USE = " Use a code, such as SW for an area or st-matthews for a ward, or choose one from the list."


@bp.get("/triage")
@permission_required("triage.read")
def triage_page():
    return _triage(request.args)


def _kept(args: MultiDict) -> MultiDict:
    """Only the triage page's own query keys, blank ones left out."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k in KEYS and (v or "").strip()])


def _link(args: MultiDict, **changes) -> str:
    """This page's address with some keys changed (None removes a key)."""
    kept = _kept(args)
    for key, value in changes.items():
        kept.setlist(key, [] if value is None else value if isinstance(value, list) else [str(value)])
    pairs = list(kept.items(multi=True))
    return url_for(".triage_page") + ("?" + urlencode(pairs) if pairs else "")


def _filter_form(args: MultiDict, choices: triage.FilterChoices) -> tuple[forms.TriageFilterForm, dict]:
    """The filter panel, and the filters it chose; a value that is not one of the choices stays
    shown, with an error on its field."""
    form = forms.TriageFilterForm(formdata=args)
    options = {
        "area": [("", "All your areas"), *choices.areas],
        "ward": [("", "All wards"), *choices.wards],
        "category": [("", "All categories"), *choices.categories],
        "source": [("", "Any source"), *[(s, SOURCE_NAMES.get(s, s)) for s in choices.sources]],
    }
    chosen: dict = {}
    for name, listed in options.items():
        field = getattr(form, name)
        value = (field.data or "").strip()
        field.choices = listed
        if name == "area" and value.upper() in {code for code, _label in listed}:
            value = field.data = value.upper()  # codes are taken in any case, as the API takes them
        if value and value not in {code for code, _label in listed}:
            field.choices = [*listed, (field.data, field.data)]
            what = {"area": "area", "ward": "ward", "category": "category", "source": "source"}[name]
            field.errors = [f"No such {what}." + (WHAT_TO_USE if name in ("area", "ward") else "")]
        chosen[name] = value or None
    level = (form.level.data or "").strip()
    if level and level not in {"1", "2", "3", "4"}:
        form.level.choices = [*form.level.choices, (level, level)]
        form.level.errors = ["Choose a level from 1 to 4."]
    chosen["level"] = int(level) if level in {"1", "2", "3", "4"} else None
    form.flags.choices = list(triage.FLAGS.items())
    flags = [f for f in form.flags.data or [] if f]
    if set(flags) - triage.FLAGS.keys():
        form.flags.errors = ["Choose flags from the list."]
    chosen["flags"] = frozenset(flags) & triage.FLAGS.keys()
    return form, chosen


def _pages(args: MultiDict, table: triage.TriageTable) -> dict | None:
    """The GOV.UK pagination component's items: first, last, and the pages either side of this one."""
    if table.pages <= 1:
        return None
    shown = sorted({1, table.pages, *range(max(1, table.page - 1), min(table.pages, table.page + 1) + 1)})
    items, last = [], 0
    for number in shown:
        if number > last + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": _link(args, page=number), "current": number == table.page})
        last = number
    return {
        "items": items,
        "previous": {"href": _link(args, page=table.page - 1)} if table.page > 1 else None,
        "next": {"href": _link(args, page=table.page + 1)} if table.page < table.pages else None,
        "landmarkLabel": "Triage pages",
    }


def _triage(args: MultiDict, failed_form=None, status=200, *, bulk=None, refused=None):
    args = _kept(args)
    who = principal()
    choices = triage.filter_choices(db.session, who)
    filters_form, chosen = _filter_form(args, choices)
    sort = args.get("sort") if args.get("sort") in triage.SORTS else None
    descending = args.get("dir") == "desc"
    page_number = int(args["page"]) if (args.get("page") or "").isdigit() else 1
    table, problem = None, None
    # Field by field, not form.errors: that is worked out once, and an error may still be added below.
    if any(field.errors for field in filters_form):
        problem = filters_form
    else:
        try:
            table = triage.triage_table(
                db.session,
                who,
                triage.TriageFilters(**chosen),
                sort=sort,
                descending=descending,
                page=page_number,
                size=PAGE_SIZE,
            )
        except TaskingError as error:
            if status_for(error) not in (404, 422):
                abort(status_for(error))
            # A filter naming no place the user may use: say so on the page, show nothing.
            filters_form.area.errors = [error.message + WHAT_TO_USE]
            problem = filters_form
    rows = []
    for row in table.rows if table else []:
        case = row["case"]
        confirm = forms.ConfirmLevelForm(
            prefix=f"confirm-{case.id}", data={"level": case.suggested_level}, formdata=None
        )
        # A case that already has another level cannot simply be confirmed: moving it needs a reason.
        confirmable = reason_needed(case.level, case.suggested_level, case.suggested_level) is None
        rows.append({**row, "confirm": confirm, "confirmable": confirmable, "age_days": (now() - case.created_at).days})
    if bulk is None:
        bulk = forms.BulkConfirmForm(formdata=None, data={"back": urlencode(list(args.items(multi=True)))})
    error_list = _bulk_errors(bulk, refused) if failed_form is None else []
    if problem is not None:
        status = 400
    return render_template(
        "console/triage.html",
        title="Error: Triage" if error_list else "Triage",
        table=table,
        rows=rows,
        args=args,
        link=lambda **changes: _link(args, **changes),
        sort=sort,
        descending=descending,
        filters=filters_form,
        chosen=chosen,
        choices=choices,
        pagination=_pages(args, table) if table else None,
        bulk=bulk,
        selected=set(bulk.cases.data or []),
        error_list=error_list,
        choose=failed_form if isinstance(failed_form, forms.LevelForm) else None,
        form=failed_form or problem,
    ), status


def _bulk_errors(bulk, refused: dict | None) -> list[dict]:
    """What the error summary says after a refused bulk confirmation: each refused case, linked to its row."""
    if refused:
        return [
            {"text": f"{reference}: {' '.join(messages)}", "href": f"#select-{reference}"}
            for reference, messages in refused.items()
        ]
    problems = [message for messages in bulk.errors.values() for message in messages]
    return [{"text": message, "href": "#triage-cases"} for message in problems]


@bp.post("/triage/confirm")
@permission_required("console.use")
def triage_confirm_selected():
    """Confirm each ticked case at the level it showed: all of them, or, if any is refused, none."""
    bulk = forms.BulkConfirmForm()
    back = MultiDict(parse_qsl(bulk.back.data or ""))
    if not bulk.validate_on_submit():
        return _triage(back, status=400, bulk=bulk)
    seen = [triage.Seen(value.rsplit(":", 1)[0], int(value.rsplit(":", 1)[1])) for value in bulk.cases.data]
    try:
        done = triage.confirm_suggestions(db.session, principal(), seen, now=now(), policy=current_policy())
    except TaskingError as error:
        discard()
        if status_for(error) == 403:
            abort(403)
        refused = error.fields if status_for(error) == 409 else None
        if refused is None:
            bulk.cases.errors = [*bulk.cases.errors, error.message]
        return _triage(back, status=409 if refused else 400, bulk=bulk, refused=refused)
    count = len(done)
    flash(
        f"{count} cases confirmed at their suggested levels and routed."
        if count != 1
        else "1 case confirmed at its suggested level and routed."
    )
    return redirect(_link(back))


@bp.post("/triage/<reference>/confirm")
@permission_required("console.use")
def triage_confirm(reference):
    case = case_or_404(reference)
    form = forms.ConfirmLevelForm(prefix=f"confirm-{case.id}")
    # Back to the page as the user left it: the same filters, sort and page.
    back = MultiDict(parse_qsl(request.form.get("back") or ""))
    return act(
        form,
        lambda: decide_level(reference, form, None),
        done=f"{reference} confirmed at level {form.level.data} and routed.",
        back=_link(back),
        render=lambda f: _triage(back, f, 400)[0],
    )


@bp.post("/triage/<reference>/level")
@permission_required("console.use")
def triage_level(reference):
    case = case_or_404(reference)
    form = forms.LevelForm(prefix=f"level-{case.id}")
    form.for_case = case.reference  # the re-shown form says which case it is for
    return act(
        form,
        lambda: decide_level(reference, form, form.reason.data),
        done=f"{reference} set to level {form.level.data} and routed.",
        back=url_for(".triage_page"),
        render=lambda f: _triage(request.args, f, 400)[0],
    )
