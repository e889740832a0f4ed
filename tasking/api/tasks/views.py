"""/api/v1/tasks: a partner organisation pulls its tasks and reports back."""

from flask_smorest import Blueprint

from tasking.api import lean
from tasking.api.auth import current_principal, require_token
from tasking.api.conditional_docs import ETAG_HEADER, NOT_MODIFIED
from tasking.api.etags import IF_MATCH_PARAMETER, if_match
from tasking.api.policy import current_policy
from tasking.api.schemas import page_size
from tasking.api.tasks.lean_body import task_items
from tasking.api.tasks.schemas import (
    CompleteSchema,
    DeclineSchema,
    ProgressSchema,
    TaskListArgsSchema,
    TaskPageSchema,
    TaskSchema,
)
from tasking.clock import now
from tasking.domain.etags import etag_for
from tasking.extensions import db
from tasking.services import task_rows, tasks

blp = require_token(Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Partner tasks"))
ETAG = {"ETag": {"schema": {"type": "string"}}}


def _with_etag(view):
    return view, {"ETag": etag_for("task", view.task.id, view.task.version)}


@blp.get("")
@blp.arguments(TaskListArgsSchema, location="query")
@blp.response(200, TaskPageSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description=NOT_MODIFIED)
def list_tasks(args):
    """Your organisation's tasks, newest first (oldest change first with updated_since)"""
    filters = tasks.TaskFilters(state=args.get("state"), updated_since=args.get("updated_since"))
    page = task_rows.task_rows(
        db.session, current_principal(), filters, cursor=args.get("cursor"), size=page_size(args)
    )

    def body():
        notes = task_rows.partner_notes(db.session, page.readable_case_ids())
        return {"items": task_items(page, notes), "next_cursor": page.next_cursor}

    # A repeat pull of an unchanged page is answered from the page statement alone (304, no notes read).
    return lean.conditional(lean.etag_for("tasks", page.fingerprint()), body)


@blp.get("/<int:task_id>")
@blp.response(200, TaskSchema, headers=ETAG)
def get_task(task_id):
    """One task, with the case summary and partner-visible notes. Its ETag names the task's version,
    for If-Match on the actions; the case and notes shown change without it, so the task is always
    sent in full (the list answers If-None-Match)"""
    page = task_rows.task_row(db.session, current_principal(), task_id)
    row = page.rows[0]
    notes = task_rows.partner_notes(db.session, page.readable_case_ids())
    return lean.json_response(task_items(page, notes)[0], etag=etag_for("task", row["id"], row["version"]))


def _action(action, task_id, text=None):
    return _with_etag(
        tasks.act(
            db.session,
            current_principal(),
            task_id,
            action,
            if_match=if_match(),
            now=now(),
            policy=current_policy(),
            text=text,
        )
    )


@blp.post("/<int:task_id>/accept")
@blp.doc(parameters=[IF_MATCH_PARAMETER])
@blp.response(200, TaskSchema, headers=ETAG)
@blp.alt_response(412, description="The task changed since the ETag was read")
def accept(task_id):
    """Accept the task (repeating it changes nothing)"""
    return _action("accept", task_id)


@blp.post("/<int:task_id>/decline")
@blp.arguments(DeclineSchema)
@blp.doc(parameters=[IF_MATCH_PARAMETER])
@blp.response(200, TaskSchema, headers=ETAG)
@blp.alt_response(412, description="The task changed since the ETag was read")
def decline(data, task_id):
    """Decline with a reason. A lead or front-line task's decline puts the case back in its area's triage
    queue; a supporting partner's leaves it with its lead, whose owner is told"""
    return _action("decline", task_id, data["reason"])


@blp.post("/<int:task_id>/progress")
@blp.arguments(ProgressSchema)
@blp.doc(parameters=[IF_MATCH_PARAMETER])
@blp.response(200, TaskSchema, headers=ETAG)
@blp.alt_response(412, description="The task changed since the ETag was read")
def progress(data, task_id):
    """Report progress; the note is shared with the case's staff and partners"""
    return _action("progress", task_id, data["note"])


@blp.post("/<int:task_id>/complete")
@blp.arguments(CompleteSchema)
@blp.doc(parameters=[IF_MATCH_PARAMETER])
@blp.response(200, TaskSchema, headers=ETAG)
@blp.alt_response(412, description="The task changed since the ETag was read")
def complete(data, task_id):
    """Complete with the outcome (repeating it changes nothing). Finishing the last work on a level-one
    case your organisation owns resolves it, with the outcome as the reason"""
    return _action("complete", task_id, data["outcome"])
