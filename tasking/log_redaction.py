"""No API key, bearer token or password is ever written to a log (issue 20, finding 5).

Access lines (werkzeug's in development, gunicorn's `--access-logfile` in production) carry the
request line, its query string and the referrer, and a custom format may add headers. A filter on
those loggers rewrites each record with every secret replaced by `[redacted]` before any handler
formats it: `api_key=...`, `token=...`, `password=...` in a query or a form, an `Authorization`
header's value, a `Bearer ...` credential, and the service's own tokens (`tsk_<prefix>_...`) and
Open311 keys (`o311_<prefix>_...`) wherever they appear, which keep only their public prefix.
"""

import logging
import re

REDACTED = "[redacted]"

# Loggers that write request lines: werkzeug's development server, gunicorn's access and error logs.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")

_PATTERNS = [
    # A secret-bearing parameter in a query string, a form or a JSON body: name=value or "name": "value".
    (
        re.compile(
            r"""(?i)(\b(?:api_?key|access_token|refresh_token|token|password|secret|csrf_token)"""
            r"""(?:=|"\s*:\s*"|%3D))[^&\s"'#;,]+"""
        ),
        rf"\1{REDACTED}",
    ),
    # An Authorization (or Proxy-Authorization) header's value, whatever its scheme.
    (
        re.compile(r"""(?i)(\bauthorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;]+"""),
        rf"\1{REDACTED}",
    ),
    # A bearer or basic credential on its own.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # The service's tokens and Open311 keys: the prefix (public, shown by `token list`) is kept.
    (re.compile(r"\b(tsk|o311)_([A-Za-z0-9]+)_[A-Za-z0-9_-]+"), rf"\1_\2_{REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message with its secrets redacted; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left for logging to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def install(*extra: logging.Logger) -> None:
    """Put the filter on the access loggers (and any given), once each, whenever the app is made:
    gunicorn's loggers already exist in its workers when they load the app."""
    for logger in [logging.getLogger(name) for name in ACCESS_LOGGERS] + list(extra):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
