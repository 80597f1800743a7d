"""The application factory. `egov/wsgi.py`, the CLI and the tests call it with settings."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from egov import ui
from egov.clock import Clock, utcnow
from egov.container import build
from egov.identity.devidp import create_blueprint as dev_idp_blueprint
from egov.portal import views as portal_views
from egov.runtime import logs
from egov.settings import Settings
from egov.web import (
    api_admin,
    api_buergerbudget_implementation,
    api_buergerbudget_public,
    api_buergerbudget_result,
    api_buergerbudget_rounds,
    api_buergerbudget_vote,
    api_camunda,
    api_cases,
    api_definitions,
    api_directory,
    api_inbound,
    api_instances,
    api_intake,
    api_me,
    api_migrations,
    api_open_data,
    api_participation,
    api_procedures,
    api_public,
    api_retention,
    api_tasks,
    api_triage,
    correlation,
    cors,
    dev_fachverfahren,
    edge,
    health,
    login,
    metrics,
    openapi,
    problem_types,
    problems,
    throttle,
)
from egov.web.limits import RequestLimits
from egov.workspace import views as workspace_views

API = "/api/v1"


def create_app(settings: Settings | None = None, clock: Clock = utcnow) -> Flask:
    settings = settings or Settings.from_env()
    logs.configure(settings)  # JSON or text lines, each with its correlation id
    app = Flask("egov", static_folder=None)  # the static files are egov.ui's (/static/)
    # no global limit: egov.web.edge sets each request's (EGOV_MAX_JSON_BYTES, or
    # EGOV_MAX_MESSAGE_BYTES for the intake views, which also stream with their own limit)
    app.config["MAX_CONTENT_LENGTH"] = None
    container = build(settings, clock)
    app.extensions["egov"] = container
    for blueprint in (
        api_intake.bp,
        api_cases.bp,
        api_tasks.bp,
        api_me.bp,
        api_participation.bp,
        api_public.bp,
        api_open_data.bp,
        api_admin.bp,
        api_definitions.bp,
        api_camunda.bp,
        api_migrations.bp,
        api_directory.bp,
        api_inbound.bp,
        api_procedures.bp,
        api_instances.bp,
        api_triage.bp,
        api_retention.bp,
        api_buergerbudget_rounds.bp,
        api_buergerbudget_vote.bp,
        api_buergerbudget_result.bp,
        api_buergerbudget_implementation.bp,
        api_buergerbudget_public.bp,
        openapi.bp,
        problem_types.bp,
    ):
        app.register_blueprint(blueprint, url_prefix=API)
    metrics.init_app(app)  # first: the latency counts from the first hook
    correlation.init_app(app)  # then every later hook and handler logs with the id
    openapi.init_app(app)  # validation errors of the pydantic models become problems
    app.register_blueprint(health.bp)
    app.register_blueprint(portal_views.bp)  # `/`: the citizen portal
    app.register_blueprint(workspace_views.bp, url_prefix="/arbeitsplatz")  # the clerks'
    if container.dev_idp is not None:
        app.register_blueprint(dev_idp_blueprint(container.dev_idp), url_prefix="/dev-idp")
    if container.dev_fachverfahren is not None:  # EGOV_ENV=development only
        stub = dev_fachverfahren.create_blueprint(
            container.dev_fachverfahren, settings.max_message_bytes
        )
        app.register_blueprint(stub, url_prefix=dev_fachverfahren.PREFIX)
    login.init_app(app, container)  # secret key, session cookie, /auth (browser login)
    throttle.init_app(app, settings)  # rate limits (login, refused tokens, intake)
    problems.register(app)
    edge.register(app, settings.max_json_depth)  # body limits, JSON limits
    cors.register(app, cors.parse_origins(settings.cors_origins))  # EGOV_CORS_ORIGINS only
    ui.init_app(app, container, (portal_views.bp, workspace_views.bp))  # after the edge
    app.wsgi_app = RequestLimits.of(app.wsgi_app, settings)  # type: ignore[method-assign]
    if settings.proxy_hops > 0:  # behind nginx & co.: the client, not the proxy, in the logs
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
