"""Two-factor sign-in's rules (tasking/services/two_factor.py): codes within one step either side,
never the same step twice, recovery codes once each, five wrong codes then a 30-second hold."""

from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from tasking.models import AuditEvent, User
from tasking.services import two_factor
from tasking.unit_of_work import unit_of_work

# The start of a 30-second step, so that "one step later" is exactly 30 seconds on.
NOW = datetime(2026, 12, 9, 10, 0, 0, tzinfo=timezone.utc)
STEP = timedelta(seconds=30)


def code_at(secret, moment):
    return pyotp.TOTP(secret).at(moment)


@pytest.fixture
def enrolled(session, make_user):
    user = make_user("admin")
    with unit_of_work(session):
        enrolment = two_factor.start_enrolment(session, user)
        outcome = two_factor.confirm_enrolment(session, user, code_at(enrolment.secret, NOW - STEP), now=NOW - STEP)
    assert outcome.accepted
    return user, enrolment.secret, outcome.recovery_codes


def actions(session, user):
    session.expire_all()
    return [
        (e.action, e.after)
        for e in session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id))
        if e.action.startswith("user.two_factor") or e.action == "user.recovery_code_used"
    ]


def test_required_roles_reads_the_setting_and_refuses_an_unknown_role():
    assert two_factor.required_roles(" admin , finance,") == frozenset({"admin", "finance"})
    assert two_factor.required_roles("") == frozenset()
    with pytest.raises(two_factor.UnknownRole, match="TWO_FACTOR_ROLES names no role called admins"):
        two_factor.required_roles("admins,finance")


def test_enrolment_needs_a_current_code_from_the_pending_secret(session, make_user):
    user = make_user("finance")
    with unit_of_work(session):
        enrolment = two_factor.start_enrolment(session, user)
        again = two_factor.start_enrolment(session, user)
        assert again.secret == enrolment.secret
        assert enrolment.uri.startswith("otpauth://totp/")
        assert enrolment.qr_data_uri.startswith("data:image/svg+xml")
        wrong = two_factor.confirm_enrolment(session, user, code_at(enrolment.secret, NOW + 2 * STEP), now=NOW)
    assert wrong.refusal == two_factor.WRONG_CODE
    assert user.two_factor_enabled_at is None
    with unit_of_work(session):
        right = two_factor.confirm_enrolment(session, user, code_at(enrolment.secret, NOW), now=NOW)
    assert right.accepted
    assert len(right.recovery_codes) == 10 and len(set(right.recovery_codes)) == 10
    session.expire_all()
    row = session.get(User, user.id)
    assert row.two_factor_secret == enrolment.secret and row.two_factor_pending_secret is None
    # Only hashes are kept.
    assert all(code not in row.two_factor_recovery_hashes for code in right.recovery_codes)
    assert actions(session, user) == [
        ("user.two_factor_enrol_failed", {"reason": "code", "failures": 1}),
        ("user.two_factor_enrolled", {"recovery_codes": 10}),
    ]


def test_a_code_one_step_either_side_is_accepted_two_steps_off_is_not(session, enrolled):
    user, secret, _ = enrolled
    with unit_of_work(session):
        assert two_factor.check_code(session, user, code_at(secret, NOW + 2 * STEP), now=NOW).refusal == (
            two_factor.WRONG_CODE
        )
        assert two_factor.check_code(session, user, code_at(secret, NOW), now=NOW + STEP).accepted
        assert two_factor.check_code(session, user, code_at(secret, NOW + 3 * STEP), now=NOW + 2 * STEP).accepted


def test_the_same_code_is_never_accepted_twice_nor_an_earlier_one_after_it(session, enrolled):
    user, secret, _ = enrolled
    with unit_of_work(session):
        assert two_factor.check_code(session, user, code_at(secret, NOW + STEP), now=NOW + STEP).accepted
        assert not two_factor.check_code(session, user, code_at(secret, NOW + STEP), now=NOW + STEP).accepted
        assert not two_factor.check_code(session, user, code_at(secret, NOW), now=NOW + STEP).accepted
    # The enrolment's own code (NOW - STEP) cannot sign in either.
    assert user.two_factor_last_step == int((NOW + STEP).timestamp()) // 30


def test_a_recovery_code_works_once_in_any_case_and_spacing(session, enrolled):
    user, _, codes = enrolled
    with unit_of_work(session):
        first = two_factor.check_recovery_code(session, user, " " + codes[3].upper().replace("-", " - "), now=NOW)
    assert first.accepted and first.recovery_codes_left == 9
    with unit_of_work(session):
        again = two_factor.check_recovery_code(session, user, codes[3], now=NOW)
        other = two_factor.check_recovery_code(session, user, codes[4], now=NOW)
    assert again.refusal == two_factor.WRONG_RECOVERY_CODE
    assert other.accepted and other.recovery_codes_left == 8
    assert two_factor.recovery_codes_left(user) == 8
    assert actions(session, user)[1:] == [
        ("user.recovery_code_used", {"recovery_codes_left": 9}),
        ("user.two_factor_failed", {"reason": "recovery_code", "failures": 1}),
        ("user.recovery_code_used", {"recovery_codes_left": 8}),
    ]


def test_five_wrong_codes_hold_the_second_step_back_for_30_seconds(session, enrolled):
    user, secret, _ = enrolled
    with unit_of_work(session):
        refusals = [two_factor.check_code(session, user, "000000", now=NOW).refusal for _ in range(5)]
        held = two_factor.check_code(session, user, code_at(secret, NOW), now=NOW + timedelta(seconds=29))
    assert refusals == [two_factor.WRONG_CODE] * 4 + [two_factor.HELD_BACK]
    assert held.refusal == two_factor.HELD_BACK
    assert user.two_factor_blocked_until == NOW + timedelta(seconds=30)
    with unit_of_work(session):
        assert two_factor.check_code(session, user, code_at(secret, NOW + STEP), now=NOW + STEP).accepted
    assert (user.two_factor_failures, user.two_factor_blocked_until) == (0, None)
    failed = [after for action, after in actions(session, user) if action == "user.two_factor_failed"]
    assert failed[3:] == [
        {"reason": "code", "failures": 4},
        {"reason": "code", "failures": 5, "blocked_until": (NOW + timedelta(seconds=30)).isoformat()},
        {"reason": "blocked", "until": (NOW + timedelta(seconds=30)).isoformat()},
    ]
