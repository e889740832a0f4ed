"""/api/v1/systems-barriers: what blocks cases, and the level-four evidence for the borough."""

from flask.views import MethodView
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.barriers.schemas import BarrierCreateSchema, BarrierSchema, SystemsBarriersSchema
from tasking.clock import now
from tasking.extensions import db
from tasking.services import barriers

blp = require_token(
    Blueprint("barriers", __name__, url_prefix="/api/v1/systems-barriers", description="Systems barriers (level four)")
)


@blp.route("")
class SystemsBarriers(MethodView):
    @blp.response(200, SystemsBarriersSchema)
    def get(self):
        """Barriers with how many cases and areas each blocks, and the open level-four cases"""
        return barriers.systems_barriers(db.session, current_principal())

    @blp.arguments(BarrierCreateSchema)
    @blp.response(201, BarrierSchema)
    def post(self, data):
        """Record a barrier; set it on cases with PATCH /cases/{id} barrier_id"""
        return barriers.create_barrier(db.session, current_principal(), now=now(), **data)
