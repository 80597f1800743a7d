"""gunicorn settings of the web processes: `gunicorn -c egov/gunicorn.conf.py egov.wsgi:app`.

Each gunicorn worker builds its own app and container (no preload: database pools and the
broker connection are never shared across a fork). Values come from the environment:
EGOV_HOST, EGOV_PORT, EGOV_WEB_WORKERS (default: 2 per CPU + 1), EGOV_WEB_THREADS.
Work after a commit goes to Celery when EGOV_BROKER_URL is set (see docs/production.md).
"""

from __future__ import annotations

import multiprocessing
import os

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
forwarded_allow_ips = os.environ.get("EGOV_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Generous server limits, above egov's own (EGOV_MAX_URL_BYTES, EGOV_MAX_HEADER_BYTES,
# EGOV_MAX_HEADER_FIELDS; egov.web.limits), so that egov's decide and answer problem+json.
limit_request_line = 8190  # gunicorn's maximum
limit_request_fields = 128
limit_request_field_size = 40960
