"""/api/v1/cases: each view parses, calls one service and dumps."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from tasking.api import lean
from tasking.api.auth import current_principal, require_token
from tasking.api.cases.lean_body import case_item, case_items
from tasking.api.cases.schemas import (
    AuditEventPageSchema,
    CaseCreateSchema,
    CaseListArgsSchema,
    CasePageSchema,
    CaseSchema,
    CaseTaskListSchema,
    CaseTaskSchema,
    CaseUpdateSchema,
    DuplicateSchema,
    LeadSchema,
    NoteCreateSchema,
    NoteListSchema,
    NoteSchema,
    OfferTaskSchema,
    PersonalDetailsSchema,
    ReopenSchema,
    WaitSchema,
)
from tasking.api.conditional_docs import ETAG_HEADER, NOT_MODIFIED
from tasking.api.etags import IF_MATCH_PARAMETER, if_match
from tasking.api.policy import current_policy
from tasking.api.schemas import PageArgsSchema, page_size
from tasking.clock import now
from tasking.domain.etags import etag_for
from tasking.domain.permissions import can
from tasking.extensions import db
from tasking.services import case_actions, case_rows, case_work, cases, history, intake, leads, notes, waits

blp = require_token(Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases"))


def _with_etag(case):
    return case, {"ETag": etag_for("case", case.id, case.version)}


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, CasePageSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args):
        """Cases the caller may see, newest first (or oldest change first with updated_since)"""
        filters = cases.CaseFilters(**{k: v for k, v in args.items() if k not in ("cursor", "page_size")})
        principal = current_principal()
        page = case_rows.case_rows(db.session, principal, filters, cursor=args.get("cursor"), size=page_size(args))

        def body():
            return {
                "items": case_items(page.rows, reads_levels=can(principal, "level.read")),
                "next_cursor": page.next_cursor,
            }

        return lean.conditional(lean.etag_for("cases", page.fingerprint()), body)

    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data):
        """Raise a case"""
        return _with_etag(intake.raise_case(db.session, current_principal(), data, now=now(), policy=current_policy()))


@blp.route("/<case:case_key>")
class CaseItem(MethodView):
    @blp.response(200, CaseSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description="The case is as it was when the ETag sent in If-None-Match was read")
    def get(self, case_key):
        """One case, by id or reference. Its ETag names the case's version, for If-Match; If-None-Match
        with it is 304 while the case is unchanged (and no review of it was made or decided since)"""
        principal = current_principal()
        held = request.headers.get("If-None-Match")
        if held:
            # One narrow statement before anything is loaded. The ETag stays the version's (If-Match
            # needs it and every write answers with it); the review row the case shows moves without
            # the version, so a copy is vouched for only while no review of the case was made or
            # decided since it last changed (services/case_rows.py).
            fresh = case_rows.item_freshness(db.session, principal, case_key)
            tag = etag_for("case", fresh.id, fresh.version)
            if not fresh.reviews_moved and lean.none_match(held, tag):
                return lean.conditional(tag, dict)  # the 304, its body never built
        row = case_rows.case_row(db.session, principal, case_key)
        body = case_item(row, reads_levels=can(principal, "level.read"))
        return lean.json_response(body, etag=etag_for("case", row["id"], row["version"]))

    @blp.arguments(CaseUpdateSchema)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(200, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.alt_response(412, description="The case changed since the ETag was read")
    @blp.alt_response(428, description="If-Match is missing")
    def patch(self, data, case_key):
        """Change a case's details or classification facts, or close it with a reason"""
        return _with_etag(
            cases.update_case(
                db.session, current_principal(), case_key, data, if_match=if_match(), now=now(), policy=current_policy()
            )
        )


@blp.route("/<case:case_key>/notes")
class CaseNotes(MethodView):
    @blp.response(200, NoteListSchema)
    def get(self, case_key):
        """The notes on a case that the caller's role may read"""
        return {"items": notes.list_notes(db.session, current_principal(), case_key)}

    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteSchema)
    def post(self, data, case_key):
        """Add a note for an audience"""
        return notes.add_note(
            db.session, current_principal(), case_key, body=data["body"], visibility=data.get("visibility"), now=now()
        )


@blp.route("/<case:case_key>/history")
class CaseHistory(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AuditEventPageSchema)
    def get(self, args, case_key):
        """The case's audit events, oldest first"""
        return history.case_history(
            db.session, current_principal(), case_key, cursor=args.get("cursor"), size=page_size(args)
        )


@blp.route("/<case:case_key>/reopen")
class CaseReopen(MethodView):
    @blp.arguments(ReopenSchema)
    @blp.response(200, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, case_key):
        """Reopen a closed case; it goes back to its area's triage queue"""
        return _with_etag(
            case_actions.reopen_case(
                db.session, current_principal(), case_key, reason=data["reason"], now=now(), policy=current_policy()
            )
        )


@blp.route("/<case:case_key>/wait")
class CaseWait(MethodView):
    @blp.arguments(WaitSchema)
    @blp.response(200, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.alt_response(409, description="The case is closed, or already on hold")
    def post(self, data, case_key):
        """Put an open case on hold while it waits on someone outside; its deadlines pause"""
        return _with_etag(
            waits.start_wait(
                db.session,
                current_principal(),
                case_key,
                waiting_on=data["waiting_on"],
                reason=data["reason"],
                now=now(),
                policy=current_policy(),
            )
        )


@blp.route("/<case:case_key>/resume")
class CaseResume(MethodView):
    @blp.response(200, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.alt_response(409, description="The case is not on hold")
    def post(self, case_key):
        """Take a case off hold; each deadline moves on by the working time it was paused"""
        return _with_etag(waits.end_wait(db.session, current_principal(), case_key, now=now(), policy=current_policy()))


@blp.route("/<case:case_key>/duplicate")
class CaseDuplicate(MethodView):
    @blp.arguments(DuplicateSchema)
    @blp.response(200, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, case_key):
        """Close the case as a duplicate of another, linking the two"""
        return _with_etag(
            case_actions.mark_duplicate(
                db.session, current_principal(), case_key, of=data["of"], now=now(), policy=current_policy()
            )
        )


@blp.route("/<case:case_key>/lead")
class CaseLead(MethodView):
    @blp.arguments(LeadSchema)
    @blp.response(200, CaseSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, case_key):
        """Name the organisation that leads the case, with a reason; at level 1 or 3 it is offered the task"""
        return _with_etag(
            leads.name_lead(
                db.session,
                current_principal(),
                case_key,
                organisation_code=data["organisation"],
                reason=data["reason"],
                now=now(),
                policy=current_policy(),
            )
        )


@blp.route("/<case:case_key>/tasks")
class CaseTasks(MethodView):
    @blp.response(200, CaseTaskListSchema)
    def get(self, case_key):
        """The tasks routing offered for this case"""
        return {"items": case_work.case_tasks(db.session, current_principal(), case_key)}

    @blp.arguments(OfferTaskSchema)
    @blp.response(201, CaseTaskSchema)
    def post(self, data, case_key):
        """Offer a supporting task to another partner"""
        return case_work.offer_task(
            db.session, current_principal(), case_key, data["organisation"], now=now(), policy=current_policy()
        )


@blp.route("/<case:case_key>/reporter")
class CaseReporter(MethodView):
    @blp.response(200, PersonalDetailsSchema)
    def get(self, case_key):
        """The reporting resident's name and contact, and the case's subject reference (area staff and admins only)"""
        return case_work.reporter_details(db.session, current_principal(), case_key)
