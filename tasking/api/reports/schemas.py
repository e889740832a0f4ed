import marshmallow as ma

from tasking.services import value_report


class LevelOneLoadSchema(ma.Schema):
    decided = ma.fields.Integer(metadata={"description": "Cases the manager decided at level one in the period"})
    referred = ma.fields.Integer(
        metadata={"description": "Level-one cases of the manager's areas referred back in the period"}
    )
    held = ma.fields.Integer(
        metadata={
            "description": "Open level-one cases the manager holds now: owned by them, or waiting in their "
            "areas' triage queue at level one"
        }
    )
    closed_for_others = ma.fields.Integer(
        metadata={"description": "Level-one cases the manager closed in the period while an organisation owned them"}
    )
    total = ma.fields.Integer()


class CapacityRowSchema(ma.Schema):
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    areas = ma.fields.List(ma.fields.String())
    open_by_level = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Open cases in the manager's areas: untriaged, 1, 2, 3, 4"},
    )
    open_total = ma.fields.Integer()
    level_one = ma.fields.Nested(
        LevelOneLoadSchema,
        metadata={"description": "The level-one load that lands on the manager; should be near zero"},
    )
    level_one_held = ma.fields.Integer(
        metadata={"description": "The same as level_one.held: open level-one cases the manager holds now"}
    )


class CapacityReportSchema(ma.Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()
    items = ma.fields.List(ma.fields.Nested(CapacityRowSchema))


class CapacityArgsSchema(ma.Schema):
    start = ma.fields.Date(metadata={"description": "First day; the current financial year's 1 April by default"})
    end = ma.fields.Date(metadata={"description": "Last day; the current financial year's 31 March by default"})


class TransparencyArgsSchema(ma.Schema):
    start = ma.fields.Date(metadata={"description": "First day; the current financial year's 1 April by default"})
    end = ma.fields.Date(metadata={"description": "Last day; the current financial year's 31 March by default"})
    area = ma.fields.String(metadata={"description": "Area code; every area whose budget you may read by default"})


class ValueArgsSchema(ma.Schema):
    start = ma.fields.Date(metadata={"description": "First day; the current financial year's 1 April by default"})
    end = ma.fields.Date(metadata={"description": "Last day; the current financial year's 31 March by default"})
    area = ma.fields.String(metadata={"description": "Area code; every area you may see by default"})


_GROUP_WORDS = {
    "verified": "verified claims",
    "estimated": "estimated claims (not yet decided)",
    "not_supported": "claims finance did not support",
    "confirmed": "verified claims whose latest answered follow-up check confirmed the saving",
    "not_confirmed": "verified claims whose latest answered follow-up check could not confirm the saving",
    "verified_only": "verified claims with no follow-up check answered yet",
}


def _measure_fields() -> dict:
    fields = {
        "spent_pence": ma.fields.Integer(
            attribute="sums.spent_pence", metadata={"description": "Quick-win spend, less reversals, by date spent"}
        ),
        "verified_net_with_spend_pence": ma.fields.Integer(
            attribute="sums.verified_net_with_spend_pence",
            metadata={
                "description": "Verified net cost avoided of the cases that had quick-win spend in the period "
                "(the numerator of return_on_spend)"
            },
        ),
    }
    for measure in value_report.GROUP_MEASURES:
        group, figure = measure.removesuffix("_pence").rsplit("_", 1)
        fields[measure] = ma.fields.Integer(
            attribute=f"sums.{measure}",
            metadata={"description": f"{figure.capitalize()} cost avoided of {_GROUP_WORDS[group]}"},
        )
    return fields


ValueLineSchema = ma.Schema.from_dict(
    {
        "key": ma.fields.String(),
        "name": ma.fields.String(),
        "allocation_pence": ma.fields.Integer(allow_none=True),
        "remaining_pence": ma.fields.Integer(allow_none=True),
        **_measure_fields(),
        "return_on_spend": ma.fields.String(
            allow_none=True,
            metadata={
                "description": "verified_net_with_spend_pence / spent_pence, to two places: verified net cost "
                "avoided of the cases that had quick-win spend, per pound of their spend; null without spend "
                "and on month lines"
            },
        ),
    },
    name="ValueLineSchema",
)


class ValueReportSchema(ma.Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()
    total = ma.fields.Nested(ValueLineSchema)
    areas = ma.fields.List(ma.fields.Nested(ValueLineSchema))
    levels = ma.fields.List(ma.fields.Nested(ValueLineSchema))
    categories = ma.fields.List(ma.fields.Nested(ValueLineSchema))
    months = ma.fields.List(ma.fields.Nested(ValueLineSchema))
    definitions = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={"description": "What each figure means"}
    )
