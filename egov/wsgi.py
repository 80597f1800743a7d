"""WSGI entry for gunicorn: `gunicorn 'egov.wsgi:app'` (settings from EGOV_* variables)."""

from egov.app import create_app

app = create_app()
