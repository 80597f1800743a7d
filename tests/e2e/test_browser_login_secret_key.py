"""The key that signs session cookies, and the cookie settings per environment."""

from __future__ import annotations

import shutil
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from egov.app import create_app
from egov.identity.sessions import SECRET_KEY_FILE, secret_key
from egov.settings import Settings
from tests.conftest import make_settings

STRONG_KEY = "k" * 40
BALLOT = "b" * 40
SIGNING = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="  # an Ed25519 key: 32 bytes of 0x01


def settings_on(template: Path, folder: Path, **changes: object) -> Settings:
    shutil.copy(template, folder / "egov.sqlite3")
    base = make_settings(folder / "var", f"sqlite:///{folder / 'egov.sqlite3'}")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_production_refuses_to_start_without_a_secret_key(
    sqlite_template: Path, tmp_path: Path
) -> None:
    settings = settings_on(
        sqlite_template,
        tmp_path,
        env="production",
        dev_idp=False,
        buergerbudget_ballot_key=BALLOT,
        audit_signing_key=SIGNING,
    )

    with pytest.raises(RuntimeError, match="EGOV_SECRET_KEY must be set"):
        create_app(settings)


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="too short"):
        secret_key("short", "production", tmp_path)


def test_production_sends_the_session_cookie_only_over_https(
    sqlite_template: Path, tmp_path: Path
) -> None:
    settings = settings_on(
        sqlite_template,
        tmp_path,
        env="production",
        dev_idp=False,
        secret_key=STRONG_KEY,
        buergerbudget_ballot_key=BALLOT,
        audit_signing_key=SIGNING,
    )

    app = create_app(settings)

    try:
        assert app.secret_key == STRONG_KEY
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_NAME"] == "egov_session"
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        app.extensions["egov"].db.dispose()


def test_development_generates_a_private_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = secret_key("", "development", tmp_path)
    second = secret_key("", "test", tmp_path)

    assert first == second and len(first) >= 32
    mode = stat.S_IMODE((tmp_path / SECRET_KEY_FILE).stat().st_mode)
    assert mode == 0o600


def test_a_configured_key_wins_over_the_generated_one(tmp_path: Path) -> None:
    secret_key("", "development", tmp_path)

    assert secret_key(STRONG_KEY, "development", tmp_path) == STRONG_KEY
