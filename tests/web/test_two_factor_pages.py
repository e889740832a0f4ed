"""Issue 20, finding 9 (no second factor): from the outside, through the sign-in form and the pages.
An enrolled user's password alone signs nobody in; the code page takes a current code once, or a
recovery code once; a role in TWO_FACTOR_ROLES is sent to enrolment and can use nothing else
until it is done; five wrong codes hold the code page back."""

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select, update

from tasking.models import AuditEvent, User
from tasking.services import users
from tasking.unit_of_work import unit_of_work

PASSWORD = "plum tractor evening lighthouse"
# The pages read the time through tasking.web.two_factor.now, held here at the start of a step
# close to the real time (the session's own idle and absolute limits read the real clock).


def step_start():
    """The start of the current 30-second step, read when a test starts (never at import: the
    session's idle limit compares the pages' clock with the real one)."""
    return datetime.fromtimestamp(int(datetime.now(timezone.utc).timestamp()) // 30 * 30, timezone.utc)


STEP = timedelta(seconds=30)


@pytest.fixture
def clock(monkeypatch):
    start = step_start()
    moment = {"now": start, "start": start}
    monkeypatch.setattr("tasking.web.two_factor.now", lambda: moment["now"])
    return moment


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_ROLES", "admin,finance")


def make(session, role, email):
    with unit_of_work(session):
        return users.create_user(
            session,
            None,
            email=email,
            name=f"Test {role}",
            role=role,
            now=datetime.now(timezone.utc),
            password=PASSWORD,
        )


def csrf(response):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def password_step(client, email, next_path=None):
    token = csrf(client.get("/sign-in"))
    path = "/sign-in" + (f"?next={next_path}" if next_path else "")
    return client.post(path, data={"email": email, "password": PASSWORD, "csrf_token": token})


def post_code(client, path, code, token=None):
    token = token or csrf(client.get(path))
    return client.post(path, data={"code": code, "csrf_token": token})


def secret_on(page):
    return re.search(r'data-secret="([A-Z2-7]+)"', page.get_data(as_text=True)).group(1)


def enrol(client, clock):
    page = client.get("/account/two-factor")
    secret = secret_on(page)
    done = post_code(client, "/account/two-factor", pyotp.TOTP(secret).at(clock["now"]))
    assert done.status_code == 200, done.get_data(as_text=True)[:2000]
    codes = re.findall(r'<code class="tasking-recovery-code">([a-z0-9-]+)</code>', done.get_data(as_text=True))
    return secret, codes


def error_summary(response):
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', page, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", summary)


def audited(session, user):
    session.expire_all()
    return [
        e.action
        for e in session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id))
        if "two_factor" in e.action or "recovery" in e.action
    ]


@pytest.fixture
def enrolled_admin(app, session, clock):
    """An admin who has enrolled: (user, secret, recovery codes), signed out again."""
    admin = make(session, "admin", "two.factor.admin@test.example")
    client = app.test_client()
    assert password_step(client, admin.email).status_code == 302
    secret, codes = enrol(client, clock)
    clock["now"] = clock["start"] + STEP
    return admin, secret, codes


def test_enrolment_page_shows_a_qr_code_and_the_secret_and_one_time_code_input(app, session, clock):
    person = make(session, "area_manager", "enrolling@test.example")
    client = app.test_client()
    password_step(client, person.email)
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<img class="tasking-qr" src="data:image/svg+xml' in html
    secret = secret_on(page)
    assert len(secret) == 32
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html

    wrong = post_code(client, "/account/two-factor", pyotp.TOTP(secret).at(clock["start"] + 3 * STEP))
    assert wrong.status_code == 400
    assert error_summary(wrong) == ["Enter the 6-digit code from your authenticator app"]
    assert secret_on(wrong) == secret  # the same secret until it is confirmed

    _, codes = enrol(client, clock)
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    # Shown once: the page now says it is on, with no secret and no codes.
    after = client.get("/account/two-factor").get_data(as_text=True)
    assert "Two-factor sign-in is on" in after and "You have 10 recovery codes left." in after
    assert secret not in after and codes[0] not in after
    assert audited(session, person) == ["user.two_factor_enrol_failed", "user.two_factor_enrolled"]


def test_the_password_alone_does_not_sign_an_enrolled_user_in(app, enrolled_admin):
    admin, _, _ = enrolled_admin
    client = app.test_client()
    response = password_step(client, admin.email, next_path="/budget")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"
    # Half signed in is not signed in: any page sends them to sign in.
    page = client.get("/my-work")
    assert page.status_code == 302 and page.headers["Location"].startswith("/sign-in?next=")


def test_a_current_code_signs_in_once_and_goes_on_to_next(app, session, enrolled_admin, clock):
    admin, secret, _ = enrolled_admin
    client = app.test_client()
    password_step(client, admin.email, next_path="/budget")
    form = client.get("/sign-in/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in form and 'inputmode="numeric"' in form
    code = pyotp.TOTP(secret).at(clock["now"])
    done = post_code(client, "/sign-in/code", code)
    assert done.status_code == 302 and done.headers["Location"] == "/budget"
    assert client.get("/my-work").status_code == 200

    # The same code again, in another browser after the password: refused.
    other = app.test_client()
    password_step(other, admin.email)
    again = post_code(other, "/sign-in/code", code)
    assert again.status_code == 400
    assert error_summary(again) == ["Enter the 6-digit code from your authenticator app"]
    assert other.get("/my-work").status_code == 302
    assert audited(session, admin)[-2:] == ["user.two_factor_passed", "user.two_factor_failed"]


def test_a_code_one_step_old_is_accepted_two_steps_old_is_not(app, enrolled_admin, clock):
    admin, secret, _ = enrolled_admin
    clock["now"] = clock["start"] + 4 * STEP
    client = app.test_client()
    password_step(client, admin.email)
    assert post_code(client, "/sign-in/code", pyotp.TOTP(secret).at(clock["start"] + 2 * STEP)).status_code == 400
    assert post_code(client, "/sign-in/code", pyotp.TOTP(secret).at(clock["start"] + 3 * STEP)).status_code == 302


def test_a_recovery_code_signs_in_once(app, session, enrolled_admin):
    admin, _, codes = enrolled_admin
    client = app.test_client()
    password_step(client, admin.email)
    page = client.get("/sign-in/recovery-code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    done = post_code(client, "/sign-in/recovery-code", codes[0])
    assert done.status_code == 302
    assert "You used a recovery code. You have 9 left." in client.get(done.headers["Location"]).get_data(as_text=True)

    other = app.test_client()
    password_step(other, admin.email)
    again = post_code(other, "/sign-in/recovery-code", codes[0])
    assert again.status_code == 400
    assert error_summary(again) == ["Enter a correct recovery code"]
    assert other.get("/my-work").status_code == 302
    assert audited(session, admin)[-2:] == ["user.recovery_code_used", "user.two_factor_failed"]


def test_five_wrong_codes_hold_the_code_page_back_even_for_the_right_code(app, session, enrolled_admin, clock):
    admin, secret, _ = enrolled_admin
    client = app.test_client()
    password_step(client, admin.email)
    answers = [error_summary(post_code(client, "/sign-in/code", "123456")) for _ in range(5)]
    assert answers == [["Enter the 6-digit code from your authenticator app"]] * 4 + [
        ["Too many wrong codes. Wait 30 seconds, then enter a new code"]
    ]
    held = post_code(client, "/sign-in/code", pyotp.TOTP(secret).at(clock["now"]))
    assert error_summary(held) == ["Too many wrong codes. Wait 30 seconds, then enter a new code"]
    session.expire_all()
    assert session.get(User, admin.id).two_factor_blocked_until == clock["now"] + timedelta(seconds=30)
    clock["now"] += timedelta(seconds=30)
    assert post_code(client, "/sign-in/code", pyotp.TOTP(secret).at(clock["now"])).status_code == 302


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(app, enrolled_admin, clock):
    client = app.test_client()
    response = client.get("/sign-in/code")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    # Nor does the password step last for ever.
    admin, secret, _ = enrolled_admin
    password_step(client, admin.email)
    token = csrf(client.get("/sign-in/code"))
    clock["now"] = clock["start"] + timedelta(minutes=6)
    late = post_code(client, "/sign-in/code", pyotp.TOTP(secret).at(clock["now"]), token)
    assert late.status_code == 302 and late.headers["Location"] == "/sign-in"
    assert client.get("/my-work").status_code == 302


def test_a_role_that_needs_two_factor_is_sent_to_enrolment_and_nowhere_else(app, session, required, clock):
    finance = make(session, "finance", "must.enrol@test.example")
    client = app.test_client()
    response = password_step(client, finance.email, next_path="/claims")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    blocked = client.get("/claims")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your role needs a code from an authenticator app" in page
    enrol(client, clock)
    assert client.get("/claims").status_code == 200


def test_a_role_not_named_is_not_sent_to_enrolment(app, session, required):
    manager = make(session, "area_manager", "no.need@test.example")
    client = app.test_client()
    response = password_step(client, manager.email)
    assert response.status_code == 302 and response.headers["Location"] != "/account/two-factor"
    assert client.get("/my-work").status_code == 200


def test_signing_out_everywhere_ends_a_half_finished_sign_in(app, session, enrolled_admin, clock):
    admin, secret, _ = enrolled_admin
    client = app.test_client()
    password_step(client, admin.email)
    token = csrf(client.get("/sign-in/code"))
    with unit_of_work(session):
        session.execute(update(User).where(User.id == admin.id).values(session_version=User.session_version + 1))
    late = post_code(client, "/sign-in/code", pyotp.TOTP(secret).at(clock["now"]), token)
    assert late.status_code == 302 and late.headers["Location"] == "/sign-in"


def test_an_unknown_role_in_the_setting_stops_the_app_starting(tmp_path):
    from tasking import create_app
    from tasking.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="TWO_FACTOR_ROLES names no role called admins"):
        create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "TWO_FACTOR_ROLES": "admins"}
        )
