"""/api/v1/tasks: a partner organisation pulls its tasks and reports back."""

from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.etags import IF_MATCH_PARAMETER, if_match
from tasking.api.policy import current_policy
from tasking.api.schemas import page_size
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
from tasking.services import tasks

blp = require_token(Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Partner tasks"))
ETAG = {"ETag": {"schema": {"type": "string"}}}


def _with_etag(view):
    return view, {"ETag": etag_for("task", view.task.id, view.task.version)}


@blp.get("")
@blp.arguments(TaskListArgsSchema, location="query")
@blp.response(200, TaskPageSchema)
def list_tasks(args):
    """Your organisation's tasks, newest first (oldest change first with updated_since)"""
    filters = tasks.TaskFilters(state=args.get("state"), updated_since=args.get("updated_since"))
    return tasks.list_tasks(db.session, current_principal(), filters, cursor=args.get("cursor"), size=page_size(args))


@blp.get("/<int:task_id>")
@blp.response(200, TaskSchema, headers=ETAG)
def get_task(task_id):
    """One task, with the case summary and partner-visible notes"""
    return _with_etag(tasks.get_task(db.session, current_principal(), task_id))


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
