"""Raising cases through the API as an area manager, for the lean-read tests (issue 22)."""

import pytest


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


def raise_case(who, **fields):
    body = {"title": "Overflowing bins", "description": "d", "category": "litter", "ward": "pleck", **fields}
    response = who.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return response.json


def level_three(manager, **fields):
    case = raise_case(manager, category="anti-social-behaviour", address="4 Pleck Road", **fields)
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 3, "reason": "Multi-agency"})
    assert decided.status_code == 200, decided.json
    return case
