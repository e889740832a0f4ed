"""A level change in either direction needs a reason (issue 19, finding 4: "going down a level needs
no reason"); confirming the suggestion on a case with no level is not a change."""

import pytest

from tasking.domain.classification import reason_needed


@pytest.mark.parametrize(
    "current, chosen, suggested, says",
    [
        (3, 1, 1, "Moving the case down from level 3 to level 1 needs a reason."),
        (3, 2, 3, "Moving the case down from level 3 to level 2 needs a reason."),
        (1, 2, 2, "Moving the case up from level 1 to level 2 needs a reason."),
        (None, 2, 1, "Level 2 differs from the suggested level 1; say why."),
        (2, 2, 3, "Level 2 differs from the suggested level 3; say why."),
    ],
)
def test_a_change_or_a_departure_from_the_suggestion_needs_a_reason(current, chosen, suggested, says):
    assert reason_needed(current, chosen, suggested) == says


@pytest.mark.parametrize("current, chosen, suggested", [(None, 1, 1), (None, 3, 3), (2, 2, 2)])
def test_confirming_the_suggestion_without_a_change_needs_none(current, chosen, suggested):
    assert reason_needed(current, chosen, suggested) is None


def test_the_api_refuses_a_de_escalation_to_the_suggested_level_without_a_reason(caller):
    manager = caller("area_manager", areas=["SW"])
    case = manager.post(
        "/api/v1/cases",
        json={"title": "Hedge over the path", "description": "By no. 4.", "category": "litter", "ward": "pleck"},
    ).json
    path = f"/api/v1/cases/{case['id']}/classification"
    suggested = manager.get(path).json["suggestion"]["level"]
    assert suggested == 1
    assert manager.post(path, json={"level": 1}).status_code == 200  # the suggestion, first time: no reason
    up = manager.post(path, json={"level": 3, "reason": "Weapons seen"})
    assert up.status_code == 200, up.json

    down = manager.post(path, json={"level": 1})  # back to what the suggestion says: still a change

    assert down.status_code == 422
    assert down.json["error"]["fields"] == {"reason": ["Moving the case down from level 3 to level 1 needs a reason."]}
    assert manager.get(f"/api/v1/cases/{case['id']}").json["level"] == 3
    with_reason = manager.post(path, json={"level": 1, "reason": "The weapons report was mistaken"})
    assert with_reason.status_code == 200
    assert [c["kind"] for c in manager.get(path).json["history"]] == ["decision", "escalation", "de_escalation"]
