"""Issue 20, finding 9: no password policy (an admin could have the password `a`). Every password
set (creating a user, a new password, from the CLI as from the services) is at least 12 characters
and not a common one, as zxcvbn judges it; the demo's published passwords meet the same policy."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tasking.domain.errors import ValidationFailed
from tasking.models import AuditEvent, User
from tasking.services import demo, passwords, users
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)
STRONG = "plum tractor evening lighthouse"
TOO_SHORT = "Use at least 12 characters"
TOO_COMMON = "This password is too common: choose another"


@pytest.fixture
def cli(app, session):
    return app.test_cli_runner()


def create(session, password, email="policy@test.example", name="Pat Policy"):
    with unit_of_work(session):
        return users.create_user(session, None, email=email, name=name, role="admin", now=NOW, password=password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("a", TOO_SHORT),
        ("Tr0ub4dor&3", TOO_SHORT),  # 11 characters, however mixed
        ("password1234", TOO_COMMON),
        ("qwertyuiop123", TOO_COMMON),
        ("aaaaaaaaaaaa", TOO_COMMON),
        ("Walsall2024!", TOO_COMMON),  # the place and a year
        ("patpolicy2026", TOO_COMMON),  # the person's own name
    ],
)
def test_create_user_refuses_a_short_or_common_password_on_the_password_field(session, password, message):
    with pytest.raises(ValidationFailed) as refused:
        create(session, password)
    assert (refused.value.message, refused.value.fields) == (message, {"password": [message]})
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_a_long_uncommon_password_is_accepted_and_a_user_without_one_still_may_be(session):
    user = create(session, STRONG)
    assert passwords.verify_password(user.password_hash, STRONG)
    api_only = create(session, None, email="api@test.example")
    assert api_only.password_hash is None


def test_set_password_refuses_a_weak_one_and_keeps_the_old(session):
    user = create(session, STRONG)
    with pytest.raises(ValidationFailed) as refused:
        with unit_of_work(session):
            users.set_password(session, None, user, "letmein", now=NOW)
    assert refused.value.fields == {"password": [TOO_SHORT]}
    session.refresh(user)
    assert passwords.verify_password(user.password_hash, STRONG)
    assert (
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.password_set"))
        == 0
    )


def test_the_cli_refuses_a_weak_password_when_creating_a_user(cli, session):
    args = ["tasking", "user", "create", "--email", "root@test.example", "--name", "Root", "--role", "admin"]

    short = cli.invoke(args=[*args, "--password", "a"])
    common = cli.invoke(args=[*args, "--password", "password1234"])

    assert (short.exit_code, short.output) == (1, f"Error: {TOO_SHORT} (password: ['{TOO_SHORT}'])\n")
    assert (common.exit_code, common.output) == (1, f"Error: {TOO_COMMON} (password: ['{TOO_COMMON}'])\n")
    assert session.scalar(select(func.count()).select_from(User)) == 0
    created = cli.invoke(args=[*args, "--password", STRONG])
    assert created.exit_code == 0, created.output


def test_the_cli_refuses_a_weak_new_password(cli, session):
    user = create(session, STRONG)
    result = cli.invoke(args=["tasking", "user", "password", "--email", user.email, "--password", "password1234"])
    assert (result.exit_code, result.output) == (1, f"Error: {TOO_COMMON} (password: ['{TOO_COMMON}'])\n")
    session.refresh(user)
    assert passwords.verify_password(user.password_hash, STRONG)


def test_the_demo_passwords_meet_the_policy_with_no_exemption():
    for local, name, *_ in demo.DEMO_USERS:
        email = f"{local}@{demo.DOMAIN}"
        assert passwords.password_problem(demo.demo_password(local), user_inputs=(email, name)) is None
