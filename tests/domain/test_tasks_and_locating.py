import pytest

from tasking.domain.locating import WardPlace, nearest_ward, ward_named_in
from tasking.domain.tasks import TaskRefused, TaskState, plan, ready_to_resolve


@pytest.mark.parametrize(
    "action, current, target",
    [
        ("accept", "offered", TaskState.ACCEPTED),
        ("accept", "accepted", None),
        ("accept", "done", None),
        ("decline", "offered", TaskState.DECLINED),
        ("decline", "in_progress", TaskState.DECLINED),
        ("decline", "declined", None),
        ("progress", "accepted", TaskState.IN_PROGRESS),
        ("progress", "in_progress", TaskState.IN_PROGRESS),
        ("complete", "in_progress", TaskState.DONE),
        ("complete", "offered", TaskState.DONE),
        ("complete", "done", None),
    ],
)
def test_task_actions(action, current, target):
    assert plan(action, current) == target


@pytest.mark.parametrize(
    "action, current",
    [
        ("accept", "declined"),
        ("accept", "cancelled"),
        ("decline", "done"),
        ("decline", "cancelled"),
        ("progress", "offered"),
        ("progress", "done"),
        ("complete", "declined"),
        ("complete", "cancelled"),
    ],
)
def test_refused_task_actions(action, current):
    with pytest.raises(TaskRefused):
        plan(action, current)


def test_progress_on_an_offered_task_says_to_accept_first():
    with pytest.raises(TaskRefused, match="Accept it first"):
        plan("progress", "offered")


@pytest.mark.parametrize(
    "states, ready",
    [
        (["done"], True),
        (["done", "cancelled"], True),
        (["done", "declined"], True),
        (["done", "offered"], False),
        (["cancelled"], False),
        ([], False),
        (["done", "in_progress"], False),
    ],
)
def test_ready_to_resolve(states, ready):
    assert ready_to_resolve(states) is ready


WARDS = [
    WardPlace(1, "St Matthew's", 52.582, -1.978),
    WardPlace(2, "Pleck", 52.577, -2.000),
    WardPlace(3, "Willenhall South", 52.580, -2.060),
    WardPlace(4, "Willenhall North", 52.595, -2.045),
]


def test_nearest_ward_within_the_borough():
    assert nearest_ward(52.5775, -1.9990, WARDS, 2500) == 2
    assert nearest_ward(51.5074, -0.1278, WARDS, 2500) is None  # London


def test_ward_named_in_an_address():
    assert ward_named_in("12 Caldmore Road, St Matthews, Walsall", WARDS) == 1
    assert ward_named_in("Moat Street, willenhall south", WARDS) == 3
    assert ward_named_in("Somewhere in Birmingham", WARDS) is None
