"""The refusal contract (tasking/domain/errors.py, docs/README.md "Refusals"): every refusal carries
a message for the person, a stable code for a client, and the input fields it is about."""

from tasking.domain.errors import Conflict, Forbidden, NotFound, TaskingError, ValidationFailed


def test_a_refusal_keeps_its_message_for_the_person():
    refusal = Conflict("The budget is spent.")
    assert refusal.message == "The budget is spent." == str(refusal)
    assert refusal.fields == {}


def test_a_refusal_about_one_field_names_it_with_the_message():
    refusal = ValidationFailed("Say why.", field="reason")
    assert refusal.fields == {"reason": ["Say why."]}


def test_fields_given_whole_are_kept_and_a_named_field_is_added():
    given = {"amount_pence": ["Too much."]}
    refusal = ValidationFailed("Check the form.", given, field="reason")
    assert refusal.fields == {"amount_pence": ["Too much."], "reason": ["Check the form."]}
    assert given == {"amount_pence": ["Too much."]}  # the caller's dict is not changed


def test_a_field_already_given_keeps_its_own_messages():
    refusal = ValidationFailed("Check the form.", {"reason": ["Too short."]}, field="reason")
    assert refusal.fields == {"reason": ["Too short."]}


def test_each_kind_has_a_stable_code_that_a_refusal_may_make_more_precise():
    assert (TaskingError("x").code, Conflict("x").code, ValidationFailed("x").code) == (
        "refused",
        "conflict",
        "validation_error",
    )
    assert (Forbidden("x").code, NotFound("x").code) == ("forbidden", "not_found")
    assert Conflict("x", code="budget_exceeded").code == "budget_exceeded"
    assert Conflict("y").code == "conflict"  # a code given to one refusal is not given to the next
