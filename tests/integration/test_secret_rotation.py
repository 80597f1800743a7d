"""Every secret can be rotated without a flag day: the HMAC secrets of inbound messages and
webhooks take a current and a next one (the first signs, any verifies), the session key takes
fallbacks, and the dev IdP's signing key is per data folder and replaced by deleting it.
docs/security.md says how to rotate each."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from egov.app import create_app
from egov.container import build
from egov.identity.errors import AuthenticationError
from egov.identity.sessions import SECRET_KEY_FILE
from egov.integrations import signing
from egov.integrations.fachverfahren import Endpoint
from egov.integrations.webhooks import Subscriber, WebhookSender
from egov.outbox.service import Delivery, DeliveryError
from tests.conftest import Api, make_settings
from tests.integration.test_inbound import status_1170
from tests.support.receiver import Behaviour, running_receiver

OLD, NEW = b"secret-of-last-year-0123456789ab", b"secret-of-this-year-0123456789ab"


def signed_inbound(api: Api, secret: bytes, body: bytes) -> int:
    headers = signing.sign(secret, body, int(time.time()))
    response = api.post(
        "/inbound?procedure=buergerbudget",
        "fachverfahren",
        data=body,
        content_type="application/xml",
        headers=headers,
    )
    return int(response.status_code)


def test_an_inbound_secret_is_rotated_by_accepting_the_next_one_beside_the_current(
    api: Api,
) -> None:
    inbound = api.container.inbound
    inbound.endpoints = {"buergerbudget": Endpoint("http://unused", "EGOV_FV_SECRET")}

    inbound.environ = {"EGOV_FV_SECRET": OLD.decode()}  # before: the old one only
    assert signed_inbound(api, OLD, status_1170("JENA-2099-000001", "14")) == 202
    assert signed_inbound(api, NEW, status_1170("JENA-2099-000002", "14")) == 401

    inbound.environ = {"EGOV_FV_SECRET": f"{NEW.decode()},{OLD.decode()}"}  # during
    assert signed_inbound(api, OLD, status_1170("JENA-2099-000003", "14")) == 202
    assert signed_inbound(api, NEW, status_1170("JENA-2099-000004", "14")) == 202

    inbound.environ = {"EGOV_FV_SECRET": NEW.decode()}  # after: the old one is refused
    assert signed_inbound(api, OLD, status_1170("JENA-2099-000005", "14")) == 401
    assert signed_inbound(api, NEW, status_1170("JENA-2099-000006", "14")) == 202


def webhook_to(secret: bytes, environ: dict[str, str]) -> list[bool]:
    """Send one webhook to a receiver that checks `secret`; whether the signature held."""
    with running_receiver(Behaviour(secret=secret)) as (url, state):
        subscriber = Subscriber(url, frozenset({"case.opened"}), "EGOV_HOOK", 5)
        body = {"event": "case.opened", "case_id": "c", "data": {}}
        payload = {"url": url, "event": "case.opened", "body": body}
        # a receiver that refuses the signature answers 401: a permanent failure
        with contextlib.suppress(DeliveryError):
            WebhookSender([subscriber], environ)(Delivery("o", "c", "webhook", payload, "k", 1))
        return [call.signature_ok for call in state.calls]


def test_a_webhook_is_signed_with_the_first_secret_so_receivers_can_switch_first() -> None:
    rotating = {"EGOV_HOOK": f"{NEW.decode()},{OLD.decode()}"}

    assert webhook_to(NEW, rotating) == [True]  # the next secret signs already
    assert webhook_to(OLD, rotating) == [False]  # a receiver still on the old one refuses
    assert webhook_to(OLD, {"EGOV_HOOK": OLD.decode()}) == [True]  # before the rotation


@pytest.fixture
def two_keys(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask, Flask]]:
    settings = make_settings(tmp_path / "var", database_url)
    old = create_app(dataclasses.replace(settings, secret_key="o" * 40))
    rotated = create_app(
        dataclasses.replace(settings, secret_key="n" * 40, secret_key_fallbacks="o" * 40)
    )
    done = create_app(dataclasses.replace(settings, secret_key="n" * 40))
    yield old, rotated, done
    for app in (old, rotated, done):
        app.extensions["egov"].db.dispose()


def session_cookie(app: Flask) -> str:
    client = app.test_client()
    with client.session_transaction() as session:
        session["probe"] = "x"
    cookie = client.get_cookie("egov_session")
    assert cookie is not None
    return cookie.value


def sees_session(app: Flask, cookie: str) -> bool:
    client = app.test_client()
    client.set_cookie("egov_session", cookie)
    with client.session_transaction() as session:
        return session.get("probe") == "x"


def test_the_session_key_is_rotated_with_fallbacks(two_keys: tuple[Flask, Flask, Flask]) -> None:
    old, rotated, done = two_keys
    cookie = session_cookie(old)

    assert sees_session(rotated, cookie)  # signed with the old key, still valid meanwhile
    assert not sees_session(done, cookie)  # the fallback removed: the old cookie is void
    assert sees_session(done, session_cookie(rotated))  # the new key signs


def test_generated_keys_differ_per_data_folder_and_a_deleted_dev_key_is_replaced(
    tmp_path: Path,
) -> None:
    def app(folder: str) -> Flask:
        return create_app(make_settings(tmp_path / folder, f"sqlite:///{tmp_path / folder}.db"))

    first, second = app("a"), app("b")
    a, b = first.extensions["egov"], second.extensions["egov"]
    assert a.dev_idp.key.kid != b.dev_idp.key.kid  # never the same across installs
    session_keys = [(tmp_path / f / SECRET_KEY_FILE).read_text() for f in ("a", "b")]
    assert session_keys[0] != session_keys[1] and first.secret_key == session_keys[0]
    token = a.dev_idp.token_for("anna")

    (tmp_path / "a" / "dev-idp-key.pem").unlink()  # rotation: a new key on the next start
    rotated = build(make_settings(tmp_path / "a", f"sqlite:///{tmp_path / 'a'}.db"))
    assert rotated.dev_idp is not None and rotated.dev_idp.key.kid != a.dev_idp.key.kid
    with pytest.raises(AuthenticationError) as caught:
        rotated.verifier.verify(token)
    assert caught.value.code == "token-unknown-key"
    for container in (a, b, rotated):
        container.db.dispose()
