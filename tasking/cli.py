"""`flask tasking ...`: reference data, demo data, users and tokens. Each command calls a service in
one unit of work (tasking/unit_of_work.py), committed when the command succeeds; backup and restore
work on the database as a whole (tasking/services/backup.py)."""

import json
import os
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tasking import config
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.extensions import db
from tasking.services import demo, notifications, open311_clients, reference_data, tokens, users
from tasking.unit_of_work import unit_of_work

group = AppGroup("tasking", help="tasking administration.")


def _fail(error: TaskingError):
    detail = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
    raise click.ClickException(error.message + (f" ({detail})" if detail else ""))


@group.command("seed")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    help="A reference data file (TOML); Walsall's by default.",
)
def seed(path):
    """Load reference data (areas, wards, organisations, categories); safe to run again."""
    with unit_of_work() as session:
        counts = reference_data.load(session, reference_data.read_file(path), now=now())
    click.echo("reference data: " + ", ".join(f"{n} {kind} created or changed" for kind, n in counts.items()))


@group.command("demo")
@click.option("--cases", "case_count", default=200, show_default=True, help="Demo cases to create.")
@click.option(
    "--credentials",
    type=click.Path(dir_okay=False),
    help="Where to write the demo accounts (default instance/demo-credentials.json).",
)
def demo_command(case_count, credentials):
    """Add demo users of every role (published passwords, fresh tokens) and demo cases (once);
    development only."""
    if current_app.config["TASKING_ENV"] != "development" and not current_app.testing:
        # The demo accounts' passwords are in the README: never on a server anyone else can reach.
        raise click.ClickException(
            "The demo accounts have published passwords: `flask tasking demo` runs only with "
            "TASKING_ENV=development (as `make run` sets it)."
        )
    path = credentials or f"{current_app.instance_path}/demo-credentials.json"
    with unit_of_work() as session:
        result = demo.load(session, case_count=case_count, now=now(), policy=current_app.extensions["tasking.policy"])
    config.write_private(path, json.dumps(result.accounts, indent=2))  # 0600: passwords and tokens
    click.echo(f"demo: {result.cases_created} cases created")
    click.echo(_accounts_table(result.accounts, os.path.relpath(path)))


def _accounts_table(accounts: list[dict], path: str) -> str:
    """One demo account of each role to sign in with, and where the others (and the tokens) are."""
    first = {}
    for account in accounts:
        first.setdefault(account["role"], account)
    rows = [("role", "email", "password")] + [(a["role"], a["email"], a["password"]) for a in first.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["", "Demo accounts (development only), one of each role; sign in at /sign-in:"]
    lines += [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.append(
        f"All {len(accounts)} accounts, each with its API token (fresh on every run), are in {path}; "
        "the passwords are in the README."
    )
    return "\n".join(lines)


token_group = AppGroup("token", help="API tokens (printed once, stored only as a hash).")
group.add_command(token_group)


@token_group.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@click.option("--days", type=int, help="Expire after this many days (default from TOKEN_DEFAULT_DAYS); 0 never.")
def token_create(email, name, days):
    """Issue a token for a user and print it once."""
    days = current_app.extensions["tasking.policy"].token_default_days if days is None else days
    moment = now()
    with unit_of_work() as session:
        user = users.by_email(session, email)
        if user is None:
            raise click.ClickException(f"No user with email {email}.")
        issued = tokens.issue_token(
            session, None, user, name=name, now=moment, expires_at=moment + timedelta(days=days) if days else None
        )
    click.echo(f"prefix:  {issued.token.prefix}")
    click.echo(f"expires: {issued.token.expires_at.isoformat() if issued.token.expires_at else 'never'}")
    click.echo(f"token:   {issued.secret}")
    click.echo("Store the token now: it is not kept and cannot be shown again.")


@token_group.command("revoke")
@click.argument("prefix")
def token_revoke(prefix):
    """Revoke a token by its prefix; it stops working within TOKEN_CACHE_SECONDS (5 by default) on every worker."""
    try:
        with unit_of_work() as session:
            token = tokens.revoke_token(session, None, prefix, now=now())
    except TaskingError as error:
        _fail(error)
    click.echo(f"revoked {token.prefix} at {token.revoked_at.isoformat()}")


user_group = AppGroup("user", help="Users.")
group.add_command(user_group)


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--organisation", help="Organisation code (partners).")
@click.option("--area", "areas", multiple=True, help="Area code (area managers, support officers).")
@click.option("--ward", "wards", multiple=True, help="Ward code (councillors).")
@click.password_option(required=False, prompt=False, help="Sign-in password (omit for API-only users).")
def user_create(email, name, role, organisation, areas, wards, password):
    """Create a user."""
    try:
        with unit_of_work() as session:
            user = users.create_user(
                session,
                None,
                email=email,
                name=name,
                role=role,
                now=now(),
                password=password,
                organisation_code=organisation,
                area_codes=list(areas),
                ward_codes=list(wards),
            )
    except TaskingError as error:
        _fail(error)
    click.echo(f"created user {user.id} <{user.email}> as {user.role}")


def _change_user(email: str, change, done: str) -> None:
    """Apply a change to the user with this email in one unit of work, and say what was done."""
    try:
        with unit_of_work() as session:
            user = users.by_email(session, email)
            if user is None:
                raise click.ClickException(f"No user with email {email}.")
            change(session, user, now())
            address = user.email
    except TaskingError as error:
        _fail(error)
    click.echo(f"{done} <{address}>")


@user_group.command("password")
@click.option("--email", required=True)
@click.password_option(help="The new password (asked for when not given).")
def user_password(email, password):
    """Set a user's password (at least 12 characters, not a common one); their sessions end."""
    _change_user(
        email,
        lambda session, user, moment: users.set_password(session, None, user, password, now=moment),
        "password set and every session ended for",
    )


@user_group.command("deactivate")
@click.option("--email", required=True)
def user_deactivate(email):
    """Stop a user signing in or using tokens; their sessions end at once."""
    _change_user(email, lambda session, user, moment: users.deactivate(session, None, user, now=moment), "deactivated")


@user_group.command("sign-out-everywhere")
@click.option("--email", required=True)
def user_sign_out_everywhere(email):
    """End every session of a user at once (their password and tokens stay as they are)."""
    _change_user(
        email,
        lambda session, user, moment: users.sign_out_everywhere(session, None, user, now=moment),
        "every session ended for",
    )


open311_group = AppGroup("open311-key", help="Keys for Open311 reporting tools (printed once, stored hashed).")
group.add_command(open311_group)


@open311_group.command("create")
@click.option("--name", required=True, help="The reporting tool, e.g. FixMyStreet.")
def open311_key_create(name):
    """Issue an api_key for an Open311 client and print it once."""
    try:
        with unit_of_work() as session:
            client, key = open311_clients.create_client(session, None, name=name, now=now())
    except TaskingError as error:
        _fail(error)
    click.echo(f"prefix:  {client.key_prefix}")
    click.echo(f"api_key: {key}")
    click.echo("Give the key to the client now: it is not kept and cannot be shown again.")


@open311_group.command("revoke")
@click.argument("prefix")
def open311_key_revoke(prefix):
    """Revoke an Open311 client's key by its prefix."""
    try:
        with unit_of_work() as session:
            client = open311_clients.revoke_client(session, None, prefix, now=now())
    except TaskingError as error:
        _fail(error)
    click.echo(f"revoked the key of {client.name}")


@group.command("sweep")
def sweep_command():
    """Run one sweep now: reviews due, and the follow-up checks of verified claims."""
    from tasking import scheduler

    result = scheduler.run_sweep(current_app._get_current_object())
    if result is None:
        click.echo("another scheduler is sweeping; nothing done")
    else:
        click.echo(
            f"sweep: {result.reviews} reviews created, {result.overdue} overdue, {result.stalled} stalled; "
            f"{result.follow_ups} follow-up checks created; "
            f"{result.clock_warnings} deadline warnings, {result.clock_breaches} deadline breaches"
        )


@group.command("send-notifications")
def send_command():
    """Send the notifications that are due now."""
    from tasking import scheduler

    result = scheduler.run_sender(current_app._get_current_object())
    if result is not None:
        click.echo(f"notifications: {result.sent} sent, {result.retried} to retry, {result.failed} failed")


outbox_group = AppGroup("outbox", help="The notification outbox: messages given up on, and sending them again.")
group.add_command(outbox_group)


@outbox_group.command("list")
@click.option("--limit", default=100, show_default=True, help="At most this many, oldest first.")
def outbox_list(limit):
    """List the messages given up on after their last attempt."""
    with unit_of_work() as session:
        rows = notifications.failed(session, limit=limit)
        lines = [
            f"{row.id}\t{row.attempts} attempts\t{row.recipient}\t{row.subject}\t{row.last_error or ''}" for row in rows
        ]
    if not lines:
        click.echo("no failed messages")
        return
    click.echo("id\tattempts\trecipient\tsubject\tlast error")
    click.echo("\n".join(lines))


@outbox_group.command("retry")
def outbox_retry():
    """Send every failed message again: each is due now, with its attempts counted afresh."""
    with unit_of_work() as session:
        count = notifications.retry_failed(session, now=now())
    click.echo(f"outbox: {count} failed messages queued again")


@outbox_group.command("resend")
@click.argument("notification_id", type=int)
def outbox_resend(notification_id):
    """Send one message again (failed, or sent and lost on the way) by its id."""
    try:
        with unit_of_work() as session:
            row = notifications.resend(session, notification_id, now=now())
            recipient = row.recipient
    except TaskingError as error:
        _fail(error)
    click.echo(f"outbox: message {notification_id} to {recipient} queued again")


@group.command("scheduler")
def scheduler_command():
    """Run the scheduler process: review sweeps and notification sending, until stopped."""
    import logging
    import signal

    from tasking import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    app = current_app._get_current_object()
    runner = scheduler.build(app)
    signal.signal(signal.SIGTERM, lambda *_: runner.shutdown(wait=False))
    click.echo(
        f"scheduler: sweeping every {app.config['SWEEP_INTERVAL_SECONDS']} s, "
        f"sending every {app.config['NOTIFY_INTERVAL_SECONDS']} s"
    )
    try:
        runner.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@group.command("generate")
@click.option("--cases", "count", type=int, required=True, help="How many synthetic cases to add.")
@click.option("--seed", type=int, default=2011, show_default=True)
def generate_command(count, seed):
    """Add synthetic cases for benchmarks and load tests, each batch its own unit of work."""
    import sys
    import time

    from tasking.services import generator

    started = time.monotonic()
    marks: list[tuple[str, float]] = []
    try:
        with click.progressbar(length=count, label="cases", file=sys.stderr) as bar:
            counts = generator.generate(
                db.session,
                units=unit_of_work,
                check_units=db.engine.begin,
                cases=count,
                now=now(),
                policy=current_app.extensions["tasking.policy"],
                seed=seed,
                progress=bar.update,
                phase=lambda name: marks.append((name, time.monotonic())),
            )
    except TaskingError as error:
        _fail(error)
    elapsed = time.monotonic() - started
    # A bulk load's parts, in seconds: where the time went, for the benchmark's record.
    parts = {name: round(end - begun, 1) for (name, begun), (_, end) in zip(marks, marks[1:], strict=False)}
    phases = {"phases": parts} if parts else {}
    click.echo(
        {**counts, "seconds": round(elapsed, 1), "cases_per_second": round(count / max(elapsed, 1e-9)), **phases}
    )


@group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Copy the whole database to a new file, online and consistent: SQLite's backup API, or
    pg_dump's custom format on PostgreSQL (its client tools must be installed)."""
    from tasking.services import backup

    try:
        outcome = backup.backup(db.engine, path)
    except TaskingError as error:
        _fail(error)
    click.echo(f"backup: {outcome.tables} tables of the {outcome.dialect} database written to {outcome.path}")


@group.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace what a database that is not empty holds.")
def restore_command(path, force):
    """Load a backup made by `flask tasking backup` into DATABASE_URL's database, which must be empty
    (no tables) unless --force. Stop the web and scheduler processes first."""
    from tasking.services import backup

    db.session.remove()
    db.engine.dispose()  # the restore has the database to itself
    try:
        outcome = backup.restore(db.engine, path, force=force)
    except TaskingError as error:
        _fail(error)
    click.echo(f"restore: {outcome.tables} tables loaded into the {outcome.dialect} database from {outcome.path}")


def register(app: Flask) -> None:
    app.cli.add_command(group)
