"""/api/v1/cases/{case}/classification and /referral: the level decision and referral back."""

from flask.views import MethodView
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.cases.schemas import CaseSchema
from tasking.api.classification.schemas import ClassificationSchema, LevelDecisionSchema, ReferralSchema
from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.extensions import db
from tasking.services import classification

blp = require_token(
    Blueprint(
        "classification", __name__, url_prefix="/api/v1/cases", description="Levels: suggestion, decision, referral"
    )
)


@blp.route("/<case:case_key>/classification")
class CaseClassification(MethodView):
    @blp.response(200, ClassificationSchema)
    def get(self, case_key):
        """Today's suggested level with its reasons, the level history and similar cases"""
        return classification.view(db.session, current_principal(), case_key, now=now(), policy=current_policy())

    @blp.arguments(LevelDecisionSchema)
    @blp.response(200, ClassificationSchema)
    def post(self, data, case_key):
        """Decide the level (a reason is needed when it differs from the suggestion) and route the case"""
        return classification.decide(
            db.session,
            current_principal(),
            case_key,
            level=data["level"],
            reason=data.get("reason"),
            now=now(),
            policy=current_policy(),
        )


@blp.route("/<case:case_key>/referral")
class CaseReferral(MethodView):
    @blp.arguments(ReferralSchema)
    @blp.response(200, CaseSchema)
    def post(self, data, case_key):
        """Refer a level-one case that proved more complicated to the area manager"""
        return classification.refer(
            db.session, current_principal(), case_key, reason=data["reason"], now=now(), policy=current_policy()
        )
