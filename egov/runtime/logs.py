"""How every egov process logs: one line per record, JSON (production) or text (development),
each with the correlation id of the request (or of the task's request) it belongs to.

The correlation id lives in a context variable: the web layer binds it at the start of a
request (`egov.web.correlation`), a Celery task binds the one its message carries
(`egov.runtime.celery_app`). The in-process work of the embedded mode runs inside the request,
so it logs with the request's id; the embedded sweeping thread has none ("-").

The JSON formatter is our own (a dozen lines, no dependency): it writes a fixed set of fields
and never the `extra` attributes of a record, so no caller can put a token or a person's data
into the log by passing a dict along. Messages themselves carry only ids and codes.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

from egov.correlation import SANE_CORRELATION_ID, current_correlation_id
from egov.settings import Settings

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"


class CorrelationFilter(logging.Filter):
    """Gives every record passing a handler the current correlation id ("-" without one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = current_correlation_id() or _of_access_line(record) or "-"
        return True


ACCESS_ATOM = "{x-correlation-id}o"  # gunicorn's atom of the response's X-Correlation-ID


def _of_access_line(record: logging.LogRecord) -> str | None:
    """gunicorn writes its access line after the request: the id is the response header's."""
    if record.name != "gunicorn.access" or not isinstance(record.args, Mapping):
        return None
    try:
        value = record.args[ACCESS_ATOM]  # gunicorn's atoms resolve headers on lookup only
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, str) and SANE_CORRELATION_ID.fullmatch(value) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, correlation_id,
    process, and the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None)
            or current_correlation_id()
            or "-",
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Development lines: time, level, logger, [correlation id], message."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


def log_format(settings: Settings) -> str:
    """EGOV_LOG_FORMAT, or json in production (EGOV_ENV=production) and text elsewhere."""
    chosen = settings.log_format.strip().lower()
    if not chosen:
        return "json" if settings.is_production else "text"
    if chosen not in FORMATS:
        raise ValueError(f"EGOV_LOG_FORMAT: expected json or text, got {settings.log_format!r}")
    return chosen


def formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else TextFormatter()


class EgovHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler egov installs (found again and replaced by the next `configure`).
    It writes to whatever `sys.stderr` is when a record comes, like logging's last resort, so
    a replaced or closed earlier stream (a test's capture) never swallows a line."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure(settings: Settings) -> None:
    """Install egov's handler on the root logger at EGOV_LOG_LEVEL (replacing one an earlier
    call installed; handlers of others, such as pytest's, stay)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, EgovHandler)]:
        root.removeHandler(handler)
    handler = EgovHandler()
    handler.setFormatter(formatter(log_format(settings)))
    handler.addFilter(CorrelationFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
