"""gunicorn settings of the web processes: `gunicorn -c egov/gunicorn.conf.py egov.wsgi:app`.

Each gunicorn worker builds its own app and container (no preload: database pools and the
broker connection are never shared across a fork). Values come from the environment:
EGOV_HOST, EGOV_PORT, EGOV_WEB_WORKERS (default: 2 per CPU + 1), EGOV_WEB_THREADS.
Work after a commit goes to Celery when EGOV_BROKER_URL is set (see docs/production.md).

Metrics: prometheus_client's multiprocess mode. PROMETHEUS_MULTIPROC_DIR (a fresh temporary
folder unless set) is set here, before any worker imports prometheus_client, so every worker
writes its samples there and a scrape of any worker reports all of them; the folder is
emptied when gunicorn starts and a dead worker's live gauges are dropped (`child_exit`).

Logs: egov's format (EGOV_LOG_FORMAT, `egov.runtime.logs`) for gunicorn's own lines too; the
access line names the path without its query (which may carry an authorization code) and the
response's correlation id.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from egov.runtime.logs import log_format
from egov.settings import Settings

_GIVEN_METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
METRICS_DIR = _GIVEN_METRICS_DIR or tempfile.mkdtemp(prefix="egov-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = METRICS_DIR

bind = f"{os.environ.get('EGOV_HOST', '127.0.0.1')}:{os.environ.get('EGOV_PORT', '8000')}"
workers = int(os.environ.get("EGOV_WEB_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("EGOV_WEB_THREADS", "4"))
# gthread, whose own refusals (request line, header fields) are problem+json
worker_class = "egov.web.gunicorn_worker.ProblemThreadWorker"
preload_app = False
timeout = 60  # an upload of EGOV_MAX_MESSAGE_BYTES over a slow line must fit
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (leaks in libraries)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("EGOV_LOG_LEVEL", "info").lower()
# the path without its query string (an OIDC callback's code), and the correlation id
# (egov.runtime.logs.CorrelationFilter takes the id from the response's header)
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
_FORMATTER = "JsonFormatter" if log_format(Settings.from_env()) == "json" else "TextFormatter"
_GUNICORN_LOGGER = {"handlers": ["console"], "propagate": False}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING", "handlers": []},  # egov's own handler: egov.runtime.logs
    "formatters": {"egov": {"()": f"egov.runtime.logs.{_FORMATTER}"}},
    "filters": {"correlation": {"()": "egov.runtime.logs.CorrelationFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "egov",
            "filters": ["correlation"],
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "gunicorn.error": {**_GUNICORN_LOGGER, "level": loglevel.upper()},
        "gunicorn.access": {**_GUNICORN_LOGGER, "level": "INFO"},
    },
}
forwarded_allow_ips = os.environ.get("EGOV_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Generous server limits, above egov's own (EGOV_MAX_URL_BYTES, EGOV_MAX_HEADER_BYTES,
# EGOV_MAX_HEADER_FIELDS; egov.web.limits), so that egov's decide and answer problem+json.
limit_request_line = 8190  # gunicorn's maximum
limit_request_fields = 128
limit_request_field_size = 40960


def on_starting(server: Any) -> None:
    """Samples of an earlier run would be added to this one's: start from an empty folder."""
    folder = Path(METRICS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended (recycled after max_requests, killed): drop its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the folder this configuration created (a given one is the operator's)."""
    if not _GIVEN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
