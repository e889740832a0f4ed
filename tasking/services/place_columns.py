"""The columns every lean read takes to say where a case is: its category, ward and area, each by
code and name, from which api/*/lean_body.py build the schemas' nested {code, name} objects."""

from tasking.models import Area, Category, Ward

PLACE = (
    Category.code.label("category_code"),
    Category.name.label("category_name"),
    Ward.code.label("ward_code"),
    Ward.name.label("ward_name"),
    Area.code.label("area_code"),
    Area.name.label("area_name"),
)
