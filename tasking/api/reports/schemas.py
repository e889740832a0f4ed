import marshmallow as ma


class CapacityRowSchema(ma.Schema):
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    areas = ma.fields.List(ma.fields.String())
    open_by_level = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={
        "description": "Open cases in the manager's areas: untriaged, 1, 2, 3, 4"})
    open_total = ma.fields.Integer()
    level_one_held = ma.fields.Integer(metadata={
        "description": "Open level-one cases the manager holds personally; should be near zero"})


class CapacityReportSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CapacityRowSchema))
