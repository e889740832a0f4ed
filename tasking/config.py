"""Settings, read from the environment once when the app is created.

SQLite under instance/ is the default in development so that `make run` needs nothing installed;
DATABASE_URL (postgresql+psycopg://...) selects PostgreSQL for production and for the second test run.

Outside development (TASKING_ENV unset or anything but "development") the app refuses to start
without a SECRET_KEY of its own and an explicit DATABASE_URL: ConfigurationError names the setting.
Development keeps a random key in the instance folder (instance/secret_key). The instance folder is
private to its owner (0700), and the files the app writes there (the key, the SQLite database, the
demo accounts) are 0600.
"""

import json
import os
import secrets
import sys
import tomllib
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from tasking import database


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without (or with): the message names it and says what to set."""


# The key every checkout once shared; published, so never accepted outside development.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
SECRET_KEY_MIN_LENGTH = 32
_MAKE_A_KEY = (
    f"set it to at least {SECRET_KEY_MIN_LENGTH} random bytes, "
    "e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'"
)
# Below this many different characters a key of any length is a pattern, not randomness: 32 random
# hex digits have about 14, so a random key is never refused.
_SECRET_KEY_MIN_DISTINCT = 8


def secret_key_problem(value: str) -> str | None:
    """Why `value` cannot sign sessions outside development, or None when it can."""
    if not value:
        return f"SECRET_KEY is not set: {_MAKE_A_KEY}"
    if value == DEVELOPMENT_SECRET_KEY:
        return f"SECRET_KEY is the published development value: {_MAKE_A_KEY}"
    if len(value) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY is too short ({len(value)} characters): {_MAKE_A_KEY}"
    if len(set(value)) < _SECRET_KEY_MIN_DISTINCT or value in (value + value)[1:-1]:
        # Few different characters, or one short block repeated ("abcabcabc..."): guessable.
        return f"SECRET_KEY is not random (a repeated pattern): {_MAKE_A_KEY}"
    return None


def private_directory(path: str) -> None:
    """Create `path` readable only by its owner (0700), or make an existing one of ours so."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    _make_private(path, 0o700)


def _make_private(path: str, mode: int) -> None:
    status = os.stat(path)
    # Only our own files: a folder handed to us read-only by the deployment is left as it is.
    if status.st_uid == os.geteuid() and status.st_mode & 0o777 != mode:
        os.chmod(path, mode)


def write_private(path: str, text: str) -> None:
    """Write a file only its owner can read (0600): credentials, keys."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a file that existed keeps its mode through O_CREAT
        handle.write(text)


def _instance_secret_key(instance_path: str) -> str:
    """Development's key: made once at random and kept in instance/secret_key (0600), so that sign-ins
    survive a restart and every process of `make run` signs alike."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        # Written whole under another name, then linked into place: two processes starting at once
        # both end up with the one key that won, never with a half-written file.
        draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        write_private(str(draft), secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    _make_private(str(path), 0o600)
    key = path.read_text("utf-8").strip()
    if not key:
        raise ConfigurationError(f"SECRET_KEY: {path} is empty; delete it and a new key is made on the next start")
    return key


def secret_key(instance_path: str, *, development: bool, testing: bool, given: str | None = None) -> str:
    """SECRET_KEY from the environment (or `given`), checked outside development; in development
    without one, the instance folder's key; in tests without one, a fresh random key."""
    value = given if given is not None else os.environ.get("SECRET_KEY", "")
    if value:
        if not (development or testing):
            problem = secret_key_problem(value)
            if problem:
                raise ConfigurationError(problem)
        return value
    if testing or _migrating():
        return secrets.token_hex(32)
    if development:
        return _instance_secret_key(instance_path)
    raise ConfigurationError(secret_key_problem(""))


def _migrating() -> bool:
    """Is this `flask ... db ...` (Alembic's migrations)? They sign nothing, so they run with
    DATABASE_URL alone, as a deployment step or a schema check may; serving, the scheduler and every
    other command still need SECRET_KEY. Flask builds the app before it has parsed the subcommand,
    so the command line is read as given."""
    if click.get_current_context(silent=True) is None:  # not the flask command at all
        return False
    words, skip = [], False
    for word in sys.argv[1:]:
        if skip:
            skip = False
        elif word in ("--app", "-A", "--env-file", "-e"):
            skip = True  # flask's own options that take a value
        elif not word.startswith("-"):
            words.append(word)
    return words[:1] == ["db"]


def prepare_sqlite_file(url: str, instance_path: str) -> None:
    """SQLite makes its file on first connect with the process's umask (often world-readable): make it
    first, 0600, and bring an existing one under instance/ to 0600."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    if parsed.database.startswith("file:"):
        return  # a URI filename: SQLite's own syntax, left alone
    path = Path(parsed.database)
    if not path.exists():
        if path.parent.is_dir():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        return
    if path.resolve().is_relative_to(Path(instance_path).resolve()):
        _make_private(str(path), 0o600)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _json(name: str, default):
    raw = os.environ.get(name)
    return json.loads(raw) if raw else default


def gdp_deflators(path: str | None = None) -> dict[int, str]:
    """The value method's GDP deflator index by year: the table shipped in tasking/data (its source
    and date are written at its top), or the TOML file GDP_DEFLATORS_FILE names, in the same form."""
    path = path or os.environ.get("GDP_DEFLATORS_FILE", "")
    if path:
        text = Path(path).read_text("utf-8")
    else:
        text = resources.files("tasking.data").joinpath("gdp_deflators.toml").read_text("utf-8")
    return {int(year): str(index) for year, index in tomllib.loads(text)["index"].items()}


# The longest a worker may trust a token it has checked: a revocation elsewhere waits this long.
TOKEN_CACHE_SECONDS_MAX = 60


def token_cache_seconds() -> int:
    """TOKEN_CACHE_SECONDS: how long a worker answers an accepted token from memory (0: never)."""
    raw = os.environ.get("TOKEN_CACHE_SECONDS", "").strip()
    if raw == "":
        return 5
    if not (raw.isascii() and raw.isdigit()) or int(raw) > TOKEN_CACHE_SECONDS_MAX:
        raise ConfigurationError(
            f"TOKEN_CACHE_SECONDS is {raw!r}: set a whole number of seconds from 0 (no cache) to "
            f"{TOKEN_CACHE_SECONDS_MAX}; a revoked token keeps working on other workers for up to that long"
        )
    return int(raw)


_NO_DATABASE_URL = (
    "DATABASE_URL is not set: outside development tasking needs an explicit database, "
    "e.g. DATABASE_URL=postgresql+psycopg://tasking:...@db.internal/tasking (the SQLite file "
    "instance/tasking.db is the default only with TASKING_ENV=development)"
)


def database_url(instance_path: str, *, development: bool = True) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        if not development:
            raise ConfigurationError(_NO_DATABASE_URL)
        return f"sqlite:///{Path(instance_path) / 'tasking.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # busy timeout: writers wait for each other instead of failing at once.
        return {"connect_args": {"timeout": _int("SQLITE_BUSY_TIMEOUT_SECONDS", 15)}}
    connect_timeout = _int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)
    return {
        # No pool_pre_ping: database.ping_when_idle pings only connections that sat idle.
        "pool_size": _int("DATABASE_POOL_SIZE", 5),
        # The connection used last is used next: a worker's few hot connections keep their prepared
        # statements (psycopg prepares a statement after its fifth run on a connection) and caches warm,
        # instead of every request rotating through the whole pool (docs/performance.md).
        "pool_use_lifo": True,
        # Waiting for a free pooled connection is bounded like waiting for a new one.
        "pool_timeout": connect_timeout,
        "connect_args": database.postgres_connect_args(
            connect_timeout_s=connect_timeout,
            statement_timeout_ms=_int("DATABASE_STATEMENT_TIMEOUT_MS", 15000),
            lock_timeout_ms=_int("DATABASE_LOCK_TIMEOUT_MS", 5000),
        ),
    }


# The numbers the Policy (tasking/domain/policy.py) reads, beside its two JSON tables
# (CLASSIFICATION_THRESHOLDS, REVIEW_INTERVAL_DAYS); unset, the Policy's own defaults hold.
POLICY_NUMBERS = (
    "SIMILAR_WINDOW_MONTHS",
    "SIMILAR_RADIUS_METRES",
    "SIMILAR_LINK_LIMIT",
    "QUICK_WIN_ALLOCATION_PENCE",
    "REVIEW_GRACE_DAYS",
    "SWEEP_BATCH_SIZE",
    "NOTIFY_MAX_ATTEMPTS",
    "OPEN311_MAX_WARD_DISTANCE_METRES",
    "TOKEN_DEFAULT_DAYS",
    "DEADLINE_WARNING_WORKING_DAYS",
)


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """The settings; raises ConfigurationError, naming the setting, when one is missing or unsafe
    outside development. Tests (TESTING and their own SQLALCHEMY_DATABASE_URI) need neither."""
    overrides = overrides or {}
    # Secure cookies everywhere but on a developer's own machine (plain http://127.0.0.1).
    development = os.environ.get("TASKING_ENV", "production") == "development"
    testing = bool(overrides.get("TESTING"))
    problems = []  # every refusal at once, so that one failed start shows all there is to set
    url = key = ""
    try:
        url = overrides.get("SQLALCHEMY_DATABASE_URI") or database_url(
            instance_path, development=development or testing
        )
    except ConfigurationError as error:
        problems.append(str(error))
    try:
        key = secret_key(instance_path, development=development, testing=testing, given=overrides.get("SECRET_KEY"))
    except ConfigurationError as error:
        problems.append(str(error))
    cache_seconds = 0
    try:
        cache_seconds = token_cache_seconds()
    except ConfigurationError as error:
        problems.append(str(error))
    if problems:
        raise ConfigurationError("\n".join(problems))
    settings = {
        "TASKING_ENV": "development" if development else "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not development,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 8)),
        # A session unused this long ends too (tasking/web/session.py), besides SESSION_HOURS.
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        # Roles that must sign in with a second factor (tasking/services/two_factor.py), comma-separated.
        "TWO_FACTOR_ROLES": ""
        if testing
        else os.environ.get("TWO_FACTOR_ROLES", "" if development else "admin,finance"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "SECRET_KEY": key,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "API_TITLE": "tasking",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # A folder of the app's own static files (scripts/vendor-swagger-ui), not a URL: the page
        # (tasking/templates/swagger_ui.html) reaches it through url_for, under any URL prefix.
        "OPENAPI_SWAGGER_UI_URL": "swagger-ui/",
        "API_SPEC_OPTIONS": {
            "security": [{"bearer": []}],
            "info": {
                "description": "Case management for Walsall's area partnerships. "
                "Authenticate with `Authorization: Bearer <token>`."
            },
        },
        "API_PAGE_SIZE_DEFAULT": _int("API_PAGE_SIZE_DEFAULT", 25),
        "API_PAGE_SIZE_MAX": _int("API_PAGE_SIZE_MAX", 100),
        # The four-level model's numbers (docs/README.md, "Configuration of the rules");
        # JSON in the environment to override.
        "CLASSIFICATION_THRESHOLDS": _json("CLASSIFICATION_THRESHOLDS", {}),
        "REVIEW_INTERVAL_DAYS": _json("REVIEW_INTERVAL_DAYS", {}),
        # The value method (docs/money.md): the optimism-bias correction per confidence grade (JSON,
        # e.g. {"6": "0.5"}), the discount rate ("0.035") when set, and the GDP deflator table.
        "OPTIMISM_BIAS_BY_GRADE": _json("OPTIMISM_BIAS_BY_GRADE", {}),
        **({"DISCOUNT_RATE": os.environ["DISCOUNT_RATE"]} if os.environ.get("DISCOUNT_RATE", "") != "" else {}),
        "GDP_DEFLATORS": gdp_deflators(),
        # The working-day calendar (docs/deadlines.md): whose bank holidays (england-and-wales,
        # scotland, northern-ireland) and the working hours, UK local time.
        "HOLIDAY_DIVISION": os.environ.get("HOLIDAY_DIVISION", "") or None,
        "WORKING_HOURS": os.environ.get("WORKING_HOURS", "") or None,
        # The other numbers of the model are set only when the environment names them; their
        # defaults live once, in tasking/domain/policy.py.
        **{key: int(os.environ[key]) for key in POLICY_NUMBERS if os.environ.get(key, "") != ""},
        "SWEEP_INTERVAL_SECONDS": _int("SWEEP_INTERVAL_SECONDS", 300),
        "NOTIFY_INTERVAL_SECONDS": _int("NOTIFY_INTERVAL_SECONDS", 60),
        # One sender run drains the outbox until it is empty or this many seconds have passed.
        "NOTIFY_TIME_BUDGET_SECONDS": _int("NOTIFY_TIME_BUDGET_SECONDS", 50),
        # A scheduler frozen or cut off loses its job lock within this many seconds (tasking/scheduler.py).
        "SCHEDULER_LEASE_SECONDS": _int("SCHEDULER_LEASE_SECONDS", 30),
        # No SMTP_HOST: messages are written to the log instead (a developer's machine).
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "tasking@walsall.gov.uk"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        # Where the limits' counts live: memory:// is per process; with more than one process or
        # instance serving, a shared store (redis://host:6379/0) so that a limit holds across them.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # How many proxies in front of the app to believe X-Forwarded-For/-Proto from (ProxyFix): 0
        # (none, the default) takes the connecting address; 1 behind one load balancer.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute"),
        "TOKEN_FAILURE_RATE_LIMIT": os.environ.get("TOKEN_FAILURE_RATE_LIMIT", "30 per minute"),
        # Each worker answers a token it accepted this many seconds ago from memory, so a revocation
        # made elsewhere takes up to this long (docs/security.md, "Token cache and revocation bound").
        "TOKEN_CACHE_SECONDS": cache_seconds,
        "OPEN311_POST_RATE_LIMIT": os.environ.get("OPEN311_POST_RATE_LIMIT", "60 per minute"),
        "OPEN311_JURISDICTION": os.environ.get("OPEN311_JURISDICTION", "walsall.gov.uk"),
        "OPEN311_CONTACT": os.environ.get("OPEN311_CONTACT", "Walsall Council area partnerships"),
        "OPEN311_CHANGESET": datetime(2026, 11, 22, tzinfo=timezone.utc),
        # The service's public address (https://tasking.walsall.gov.uk): Open311 discovery names its
        # endpoint from it, never from a request's Host header; unset, from the request's own host.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/"),
        # The case map's tiles (Leaflet's {z}/{x}/{y} template) and the attribution their licence asks
        # for (HTML, shown on the map); the content security policy lets images come from its origin.
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "MAP_TILE_ATTRIBUTION": os.environ.get(
            "MAP_TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        ),
    }
    if overrides:
        settings.update(overrides)
        if "SQLALCHEMY_DATABASE_URI" in overrides and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
            settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(overrides["SQLALCHEMY_DATABASE_URI"])
    return settings
