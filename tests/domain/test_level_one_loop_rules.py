"""The level-one loop's pure rules: when completing a task resolves its case, what the stall rule
counts, and what a decline does (docs/routing.md, "The level-one loop"; docs/reviews.md)."""

import pytest

from tasking.domain import reviews, tasks

FRONT_LINE, OTHER = 7, 8
RESOLVES = dict(
    level=1,
    case_open=True,
    task_organisation_id=FRONT_LINE,
    owner_organisation_id=FRONT_LINE,
    all_finished=True,
    organisation_resolves=True,
)


def test_the_owner_finishing_the_last_work_of_an_open_level_one_case_resolves_it():
    assert tasks.completion_resolves(**RESOLVES)


@pytest.mark.parametrize(
    "change",
    [
        {"level": 2},
        {"level": 3},
        {"level": None},
        {"case_open": False},
        {"task_organisation_id": OTHER},  # a supporting organisation finished
        {"owner_organisation_id": None},  # nobody owns it: it waits in triage
        {"all_finished": False},  # someone else's work is still open
        {"organisation_resolves": False},  # the organisation asked the area manager to check first
    ],
)
def test_anything_else_leaves_the_case_open(change):
    assert not tasks.completion_resolves(**{**RESOLVES, **change})


def test_the_outcome_is_the_reason_trimmed_and_an_empty_one_names_the_organisation():
    assert tasks.completion_reason("  Lamp replaced.  ", "Highways") == "Lamp replaced."
    assert tasks.completion_reason("   ", "Highways") == "Highways completed the level-one job."
    assert tasks.completion_reason(None, "Highways") == "Highways completed the level-one job."


def test_only_the_organisation_holding_the_case_hands_it_back_by_declining():
    assert tasks.hands_case_back("lead") and tasks.hands_case_back("frontline")
    assert not tasks.hands_case_back("support")


def test_a_declined_lead_says_who_and_why():
    assert tasks.declined_to_lead_reason("West Midlands Police", "lead", "The ASB team should lead.") == (
        "West Midlands Police declined to lead: The ASB team should lead."
    )
    front_line = tasks.declined_to_lead_reason("Highways", "frontline", "Not a council road.")
    assert front_line == "Highways declined the front-line job: Not a council road."


def missed(previous, pending, *, level=1, done=False):
    return reviews.missed_after_sweep(previous=previous, earlier_pending=pending, level=level, work_done=done)


def test_a_cycle_is_missed_when_an_earlier_review_is_still_undecided():
    assert missed(0, 0) == 0  # the first review: nothing missed yet
    assert missed(0, 1) == 1
    assert missed(1, 2) == 2
    assert missed(3, 0) == 0  # decided since: the count starts again


def test_a_level_one_case_whose_work_is_done_misses_no_cycles():
    assert missed(0, 1, done=True) == 0
    assert missed(1, 3, done=True) == 1  # the cycles before the work was done still count
    # Other levels count every undecided cycle: ready_to_resolve there waits for their owner's decision.
    assert missed(1, 2, level=2, done=True) == 2


def stalled(**change):
    facts = dict(level=1, returned=False, missed=2, work_done=False, threshold=2) | change
    return reviews.is_stalled(**facts)


def test_an_untouched_level_one_case_stalls_at_the_threshold():
    assert stalled()
    assert stalled(missed=5)
    assert not stalled(missed=1)


@pytest.mark.parametrize("change", [{"work_done": True}, {"returned": True}, {"level": 2}, {"level": None}])
def test_done_work_a_case_already_in_triage_or_another_level_never_stalls(change):
    assert not stalled(**change)


def test_the_stall_reason_says_how_many_cycles():
    assert reviews.stall_reason(2) == (
        "Stalled at level one: 2 review cycles passed with the work not done and no decision; "
        "the simple action has not worked."
    )
    assert reviews.stall_reason(1) == (
        "Stalled at level one: 1 review cycle passed with the work not done and no decision; "
        "the simple action has not worked."
    )
