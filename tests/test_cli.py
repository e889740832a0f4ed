"""The flask commands a newcomer and an operator use: seed, demo, token, user."""

import ast
import json

import pytest
from sqlalchemy import func, select

from tasking.models import ApiToken, Area, Case, CaseLink, Category, Organisation, User, Ward


@pytest.fixture
def cli(app, session):
    return app.test_cli_runner()


def test_seed_loads_walsall_and_is_safe_to_run_again(cli, session):
    first = cli.invoke(args=["tasking", "seed"])
    assert first.exit_code == 0, first.output
    second = cli.invoke(args=["tasking", "seed"])
    assert "0 areas created or changed" in second.output
    counts = [session.scalar(select(func.count()).select_from(m)) for m in (Area, Ward, Organisation, Category)]
    assert counts[:2] == [6, 20]
    assert counts[2] >= 7 and counts[3] >= 10
    south = session.scalar(select(Area).where(Area.code == "SW"))
    assert [w.name for w in south.wards] == ["Paddock", "Palfrey", "Pleck", "St Matthew's"]


def test_demo_writes_credentials_for_every_role_and_the_manager_token_lists_the_area(cli, app, session, tmp_path):
    target = tmp_path / "demo-credentials.json"
    result = cli.invoke(args=["tasking", "demo", "--cases", "40", "--credentials", str(target)])
    assert result.exit_code == 0, result.output
    accounts = json.loads(target.read_text())
    assert {a["role"] for a in accounts} == {
        "admin",
        "area_manager",
        "support_officer",
        "partner",
        "councillor",
        "finance",
        "borough_officer",
    }
    for account in accounts:
        assert set(account) == {"role", "email", "password", "token", "organisation", "areas", "wards"}
    assert session.scalar(select(func.count()).select_from(Case)) == 40 + 8  # and the scripted stories

    # The demo shows every level, similar-case links and an ASB case-review flag.
    assert set(session.scalars(select(Case.level).distinct())) >= {1, 2, 3, 4}
    assert session.scalar(select(func.count()).select_from(CaseLink).where(CaseLink.kind == "similar")) > 0
    assert session.scalar(select(func.count()).select_from(Case).where(Case.case_review_flag.is_(True))) >= 1
    assert session.scalar(select(func.count()).select_from(Case).where(Case.referred_back.is_(True))) >= 1

    manager = next(a for a in accounts if a["role"] == "area_manager" and a["areas"] == ["SW"])
    client = app.test_client()
    listed = client.get("/api/v1/cases?page_size=100", headers={"Authorization": f"Bearer {manager['token']}"})
    assert listed.status_code == 200
    in_area = session.scalar(select(func.count()).select_from(Case).join(Area).where(Area.code == "SW"))
    assert in_area > 0
    assert len(listed.json["items"]) == in_area
    assert {item["area"]["code"] for item in listed.json["items"]} == {"SW"}


def test_demo_run_again_issues_fresh_secrets_without_duplicating_cases(cli, session, tmp_path):
    target = tmp_path / "demo.json"
    cli.invoke(args=["tasking", "demo", "--cases", "10", "--credentials", str(target)])
    first = json.loads(target.read_text())
    again = cli.invoke(args=["tasking", "demo", "--cases", "10", "--credentials", str(target)])
    assert "0 cases created" in again.output
    second = json.loads(target.read_text())
    assert {a["token"] for a in first}.isdisjoint({a["token"] for a in second})
    assert session.scalar(select(func.count()).select_from(Case)) == 10 + 8
    assert session.scalar(select(func.count()).select_from(User)) == len(second)


def test_token_create_prints_once_and_revoke_stops_it(cli, app, session, make_user):
    make_user("admin", email="ops@test.example")
    created = cli.invoke(args=["tasking", "token", "create", "--email", "ops@test.example", "--days", "30"])
    assert created.exit_code == 0, created.output
    secret = next(line.split()[-1] for line in created.output.splitlines() if line.startswith("token:"))
    prefix = next(line.split()[-1] for line in created.output.splitlines() if line.startswith("prefix:"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/areas", headers=headers).status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    assert token.expires_at is not None
    revoked = cli.invoke(args=["tasking", "token", "revoke", prefix])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/areas", headers=headers).status_code == 401


def test_token_commands_report_unknown_users_and_prefixes(cli):
    assert cli.invoke(args=["tasking", "token", "create", "--email", "nobody@test.example"]).exit_code != 0
    result = cli.invoke(args=["tasking", "token", "revoke", "deadbeef"])
    assert result.exit_code != 0 and "No token" in result.output


def test_user_create_checks_role_and_scope(cli, session):
    ok = cli.invoke(
        args=[
            "tasking",
            "user",
            "create",
            "--email",
            "New.Manager@Test.example",
            "--name",
            "N",
            "--role",
            "area_manager",
            "--area",
            "SW",
        ]
    )
    assert ok.exit_code == 0, ok.output
    user = session.scalar(select(User).where(User.email == "new.manager@test.example"))
    assert [a.code for a in user.areas] == ["SW"]
    bad = cli.invoke(
        args=["tasking", "user", "create", "--email", "p@test.example", "--name", "P", "--role", "partner"]
    )
    assert bad.exit_code != 0 and "organisation" in bad.output


def test_a_bulk_generate_on_postgresql_reports_where_its_time_went(app, cli, session, tmp_path, monkeypatch):
    from tasking.services import generator

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a bulk load is PostgreSQL's")
    cli.invoke(args=["tasking", "demo", "--cases", "0", "--credentials", str(tmp_path / "demo.json")])
    monkeypatch.setattr(generator, "BULK_FROM", 100)
    result = cli.invoke(args=["tasking", "generate", "--cases", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    printed = ast.literal_eval(result.output.strip().splitlines()[-1])
    assert printed["cases"] == 300 and list(printed["phases"]) == ["copy", "rebuild", "check"]
    assert all(seconds >= 0 for seconds in printed["phases"].values())
    assert sum(printed["phases"].values()) <= printed["seconds"] + 0.2


def test_generate_adds_synthetic_cases_in_batches_and_refuses_an_empty_database(cli, session, tmp_path, monkeypatch):
    from tasking.services import generator

    refused = cli.invoke(args=["tasking", "generate", "--cases", "10"])
    assert refused.exit_code != 0 and "Load reference data and demo users first" in refused.output

    cli.invoke(args=["tasking", "demo", "--cases", "0", "--credentials", str(tmp_path / "demo.json")])
    before = session.scalar(select(func.count()).select_from(Case))
    monkeypatch.setattr(generator, "CHUNK", 40)
    written = []
    write_batch = generator.SyntheticData.write_batch
    monkeypatch.setattr(
        generator.SyntheticData,
        "write_batch",
        lambda data, session, size: (written.append(size), write_batch(data, session, size)),
    )
    result = cli.invoke(args=["tasking", "generate", "--cases", "100", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert written == [4, 6, 9, 13, 19, 28, 21]  # from a tenth of the chunk, half as much again each time
    assert "'cases': 100" in result.output
    assert session.scalar(select(func.count()).select_from(Case)) == before + 100
    references = session.scalars(select(Case.reference)).all()
    assert len(references) == len(set(references))
