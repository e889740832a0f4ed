"""/api/v1/reports: how the model is working."""
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.reports.schemas import CapacityReportSchema
from tasking.extensions import db
from tasking.services import reports

blp = require_token(Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports"))


@blp.get("/capacity")
@blp.response(200, CapacityReportSchema)
def capacity():
    """Per area manager: open cases by level and the level-one cases they hold themselves"""
    return {"items": reports.capacity(db.session, current_principal())}
