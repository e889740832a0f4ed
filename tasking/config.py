"""Settings, read from the environment once when the app is created.

SQLite under instance/ is the default so that `make run` needs nothing installed; DATABASE_URL
(postgresql+psycopg://...) selects PostgreSQL for production and for the second test run.
"""

import json
import os
import tomllib
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path


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


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
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
    return {"pool_pre_ping": True, "pool_size": _int("DATABASE_POOL_SIZE", 5)}


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
)


def load(instance_path: str, overrides: dict | None = None) -> dict:
    url = database_url(instance_path)
    # Secure cookies everywhere but on a developer's own machine (plain http://127.0.0.1).
    development = os.environ.get("TASKING_ENV", "production") == "development"
    settings = {
        "TASKING_ENV": "development" if development else "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not development,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 8)),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-not-secret"),
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
        # The other numbers of the model are set only when the environment names them; their
        # defaults live once, in tasking/domain/policy.py.
        **{key: int(os.environ[key]) for key in POLICY_NUMBERS if os.environ.get(key, "") != ""},
        "SWEEP_INTERVAL_SECONDS": _int("SWEEP_INTERVAL_SECONDS", 300),
        "NOTIFY_INTERVAL_SECONDS": _int("NOTIFY_INTERVAL_SECONDS", 60),
        # No SMTP_HOST: messages are written to the log instead (a developer's machine).
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "tasking@walsall.gov.uk"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute"),
        "TOKEN_FAILURE_RATE_LIMIT": os.environ.get("TOKEN_FAILURE_RATE_LIMIT", "30 per minute"),
        "OPEN311_POST_RATE_LIMIT": os.environ.get("OPEN311_POST_RATE_LIMIT", "60 per minute"),
        "OPEN311_JURISDICTION": os.environ.get("OPEN311_JURISDICTION", "walsall.gov.uk"),
        "OPEN311_CONTACT": os.environ.get("OPEN311_CONTACT", "Walsall Council area partnerships"),
        "OPEN311_CHANGESET": datetime(2026, 11, 22, tzinfo=timezone.utc),
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
