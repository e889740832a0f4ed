"""Issue 20, finding 3: signing out ends the session, for every copy of its cookie; so do a new
password, deactivation and the operator's "sign out everywhere"; and a session unused for
SESSION_IDLE_MINUTES ends too. All from the outside: the sign-in form, the pages, the CLI."""

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tasking.models import AuditEvent, User
from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tasking.web.session import LAST_SEEN, SIGNED_IN_AT

PASSWORD = "plum tractor evening lighthouse"
NEW_PASSWORD = "quartz meadow violin harbour"
NOW = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)


def csrf_from(response):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def sign_in(client, email, password=PASSWORD):
    token = csrf_from(client.get("/sign-in"))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def signed_in_client(app, email, password=PASSWORD):
    client = app.test_client()
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def copy_of(app, client):
    """Another browser holding a copy of the client's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def sign_out(client):
    page = client.get("/my-work")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/sign-out", data={"csrf_token": token})


def is_sent_to_sign_in(response):
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


@pytest.fixture
def manager(session):
    with unit_of_work(session):
        return users.create_user(
            session,
            None,
            email="sessions.manager@test.example",
            name="Sara Session",
            role="area_manager",
            now=NOW,
            password=PASSWORD,
            area_codes=["SW"],
        )


@pytest.fixture
def cli(app, session):
    return app.test_cli_runner()


def test_a_cookie_copied_before_sign_out_no_longer_opens_my_work_after_it(app, manager, session):
    browser = signed_in_client(app, manager.email)
    thief = copy_of(app, browser)
    assert thief.get("/my-work").status_code == 200

    signed_out = sign_out(browser)

    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/sign-in"
    assert is_sent_to_sign_in(thief.get("/my-work"))
    assert is_sent_to_sign_in(browser.get("/my-work"))
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "user.signed_out")) == "user.signed_out"
    # Signing in again opens a new session.
    assert signed_in_client(app, manager.email).get("/my-work").status_code == 200


def test_a_new_password_ends_every_other_session(app, manager, cli):
    other_browser = signed_in_client(app, manager.email)
    assert other_browser.get("/my-work").status_code == 200

    result = cli.invoke(args=["tasking", "user", "password", "--email", manager.email, "--password", NEW_PASSWORD])

    assert result.exit_code == 0, result.output
    assert result.output == f"password set and every session ended for <{manager.email}>\n"
    assert is_sent_to_sign_in(other_browser.get("/my-work"))
    assert sign_in(app.test_client(), manager.email, PASSWORD).status_code == 400
    assert signed_in_client(app, manager.email, NEW_PASSWORD).get("/my-work").status_code == 200


def test_deactivation_ends_the_sessions_and_sign_in(app, manager, cli, session):
    browser = signed_in_client(app, manager.email)

    result = cli.invoke(args=["tasking", "user", "deactivate", "--email", manager.email])

    assert result.exit_code == 0, result.output
    assert result.output == f"deactivated <{manager.email}>\n"
    assert is_sent_to_sign_in(browser.get("/my-work"))
    assert sign_in(app.test_client(), manager.email).status_code == 400
    assert session.scalar(select(User.active).where(User.id == manager.id)) is False


def test_sign_out_everywhere_ends_every_session_and_leaves_the_password(app, manager, cli, session):
    laptop = signed_in_client(app, manager.email)
    phone = signed_in_client(app, manager.email)

    result = cli.invoke(args=["tasking", "user", "sign-out-everywhere", "--email", manager.email])

    assert result.exit_code == 0, result.output
    assert result.output == f"every session ended for <{manager.email}>\n"
    assert is_sent_to_sign_in(laptop.get("/my-work"))
    assert is_sent_to_sign_in(phone.get("/my-work"))
    assert signed_in_client(app, manager.email).get("/my-work").status_code == 200
    events = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == str(manager.id), AuditEvent.action.like("user.sign%"))
        .order_by(AuditEvent.id)
    ).all()
    assert events == ["user.signed_in", "user.signed_in", "user.signed_out_everywhere", "user.signed_in"]


def test_the_commands_name_an_unknown_email(cli):
    for command in ("password", "deactivate", "sign-out-everywhere"):
        args = ["tasking", "user", command, "--email", "nobody@test.example"]
        result = cli.invoke(args=args + (["--password", NEW_PASSWORD] if command == "password" else []))
        assert result.exit_code == 1
        assert result.output == "Error: No user with email nobody@test.example.\n"


def test_a_session_unused_for_thirty_minutes_is_signed_out_with_a_message(app, manager):
    browser = signed_in_client(app, manager.email)
    with browser.session_transaction() as cookie:
        cookie[LAST_SEEN] -= 30 * 60

    response = browser.get("/my-work")

    assert is_sent_to_sign_in(response)
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page
    assert "Sign in to see this page." not in page
    # The session is over, not just refused once.
    assert is_sent_to_sign_in(browser.get("/my-work"))


def test_a_session_in_use_stays_signed_in_and_its_last_use_is_kept(app, manager):
    browser = signed_in_client(app, manager.email)
    with browser.session_transaction() as cookie:
        cookie[LAST_SEEN] -= 29 * 60
        set_back = cookie[LAST_SEEN]

    assert browser.get("/my-work").status_code == 200

    with browser.session_transaction() as cookie:
        assert cookie[LAST_SEEN] > set_back + 28 * 60
    assert browser.get("/my-work").status_code == 200


def test_a_session_in_constant_use_still_ends_eight_hours_after_sign_in(app, manager):
    browser = signed_in_client(app, manager.email)
    with browser.session_transaction() as cookie:
        cookie[SIGNED_IN_AT] -= 8 * 60 * 60 - 60
    assert browser.get("/my-work").status_code == 200  # in use a minute before the eight hours
    with browser.session_transaction() as cookie:
        cookie[SIGNED_IN_AT] -= 60

    response = browser.get("/my-work")

    assert is_sent_to_sign_in(response)
    assert "Sign in to see this page." in browser.get(response.headers["Location"]).get_data(as_text=True)


def test_a_signed_out_visitor_is_asked_to_sign_in_as_before(app, client):
    response = client.get("/my-work")
    assert is_sent_to_sign_in(response)
    assert "Sign in to see this page." in client.get(response.headers["Location"]).get_data(as_text=True)
