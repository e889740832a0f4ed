"""My work: what is waiting for the signed-in user."""

from flask import render_template

from tasking.clock import now
from tasking.extensions import db
from tasking.services import my_work as work
from tasking.web.console import bp  # noqa: F401
from tasking.web.session import permission_required, principal


@bp.get("/my-work")
@permission_required("console.use")
def my_work():
    today = now()
    return render_template(
        "console/my_work.html",
        title="My work",
        work=work.my_work(db.session, principal(), now=today),
        now=today,
    )
