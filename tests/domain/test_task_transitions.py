"""Every cell of the partner task table (docs/routing.md, "Partners' tasks"): for each action and
each state, the state it leads to, "already done" (a retry changes nothing), or a refusal with the
words the partner sees."""

import pytest

from tasking.domain.tasks import ACTIVE_TASK_STATES, TaskRefused, TaskState, plan

O, A, D, P, F, C = "offered", "accepted", "declined", "in_progress", "done", "cancelled"
REPEAT = "repeat"  # the action already happened: nothing changes
REFUSED = "refused"

# action -> state -> outcome, for all four actions and all six states.
TABLE = {
    "accept": {O: A, A: REPEAT, D: REFUSED, P: REPEAT, F: REPEAT, C: REFUSED},
    "decline": {O: D, A: D, D: REPEAT, P: D, F: REFUSED, C: REFUSED},
    "progress": {O: REFUSED, A: P, D: REFUSED, P: P, F: REFUSED, C: REFUSED},
    "complete": {O: F, A: F, D: REFUSED, P: F, F: REPEAT, C: REFUSED},
}
CELLS = [(action, state, outcome) for action, row in TABLE.items() for state, outcome in row.items()]


def test_the_table_covers_every_state():
    assert all(set(row) == {s.value for s in TaskState} for row in TABLE.values())


@pytest.mark.parametrize("action, state, outcome", CELLS)
def test_every_action_from_every_state(action, state, outcome):
    if outcome == REFUSED:
        with pytest.raises(TaskRefused):
            plan(action, state)
    elif outcome == REPEAT:
        assert plan(action, state) is None
    else:
        assert plan(action, state) == TaskState(outcome)


@pytest.mark.parametrize(
    "action, state, message",
    [
        ("accept", "declined", "A declined task cannot be accepted."),
        ("accept", "cancelled", "A cancelled task cannot be accepted."),
        ("decline", "done", "A done task cannot be declined."),
        ("progress", "done", "A done task cannot be updated."),
        ("progress", "declined", "A declined task cannot be updated."),
        ("complete", "cancelled", "A cancelled task cannot be completed."),
    ],
)
def test_a_refusal_says_what_the_task_is_and_what_cannot_be_done(action, state, message):
    with pytest.raises(TaskRefused) as refused:
        plan(action, state)
    assert str(refused.value) == message


def test_only_an_offered_task_asked_for_progress_is_told_to_accept_it_first():
    with pytest.raises(TaskRefused) as refused:
        plan("progress", "offered")
    assert "offered" in str(refused.value)
    assert str(refused.value).endswith(" task cannot be updated. Accept it first.")


def test_active_tasks_are_the_ones_still_waiting_for_work():
    assert ACTIVE_TASK_STATES == {TaskState.OFFERED, TaskState.ACCEPTED, TaskState.IN_PROGRESS}


@pytest.mark.parametrize("state", ["", "open", "DONE"])
def test_an_unknown_state_is_not_a_task_state(state):
    with pytest.raises(ValueError):
        plan("accept", state)
