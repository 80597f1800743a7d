"""What every command shares: the settings, the container, the migrations folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from alembic import command
from alembic.config import Config

from egov.cli.failures import CliError
from egov.container import Container, build
from egov.identity.issuers import OidcConfigError
from egov.paging import MAX_LIMIT, Page, PageRequest
from egov.runtime.schema import MIGRATIONS
from egov.settings import Settings

T = TypeVar("T")
B = TypeVar("B")


def settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:  # our own message: which variable, what was expected
        raise CliError("settings-invalid", f"Einstellung ungültig: {exc}") from None


def built(current: Settings, make: Callable[[Settings], B]) -> B:
    """`make(current)` (the container, the app), refused in one line where the settings are
    what refuses: the dev IdP asked for in production, a broken EGOV_OIDC_CONFIG."""
    if current.is_production and current.dev_idp:
        raise CliError(
            "dev-idp-in-production",
            "EGOV_DEV_IDP=true ist mit EGOV_ENV=production nicht erlaubt (der Entwicklungs-IdP "
            "gibt Tokens für jeden Demo-Benutzer aus): EGOV_DEV_IDP weglassen und einen "
            "OIDC-Anbieter in EGOV_OIDC_CONFIG eintragen.",
        )
    try:
        return make(current)
    except OidcConfigError as exc:  # our own text: the file and the key that is wrong
        raise CliError(
            "oidc-config-invalid", f"EGOV_OIDC_CONFIG {current.oidc_config}: {exc}"
        ) from None


@contextmanager
def container() -> Iterator[Container]:
    """The same wiring as the web app; its database connections are closed afterwards."""
    wired = built(settings(), build)
    try:
        yield wired
    finally:
        wired.db.dispose()


def every(fetch: Callable[[PageRequest], Page[T]]) -> list[T]:
    """All items of a paged service list, page after page (a command shows the whole list)."""
    items: list[T] = []
    request = PageRequest(limit=MAX_LIMIT)
    while True:
        page = fetch(request)
        items += page.items
        if page.next_cursor is None:
            return items
        request = PageRequest(page.next_cursor, MAX_LIMIT)


def run_migrations(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
