"""egov's one outbound HTTP client (egov/http_client.py) as a city network needs it: a
Fachverfahren call goes through the proxy of HTTP_PROXY/HTTPS_PROXY, around it for a host in
NO_PROXY, and a receiver whose certificate nobody trusts gets nothing: an incident at once, not
a success. Real servers on loopback throughout: receiver, proxy, TLS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from egov.container import Container
from egov.documents.filestore import Placement
from egov.documents.webdav import WebDavStore
from egov.http_client import HttpOptions, OutboundHttp
from egov.identity.jwks import JsonFetcher, RemoteKeys
from egov.identity.tokens import KeyPair
from egov.integrations import fachverfahren
from egov.integrations.fachverfahren import Endpoint, FachverfahrenAdapter
from egov.integrations.webhooks import Subscriber, WebhookSender
from egov.outbox.service import Delivery, DeliveryError, Outbox
from tests.conftest import Api
from tests.integration.test_fachverfahren import (
    SECRET,
    SECRET_ENV,
    enqueue_delivery,
    original_bytes,
    row,
)
from tests.integration.test_timers_support import FakeClock
from tests.support.idp import LoopbackIdp
from tests.support.proxy import ProxyLog, running_proxy
from tests.support.receiver import Behaviour, ReceiverState, running_receiver
from tests.support.tls import SelfSigned, self_signed
from tests.support.webdav import serve_or_skip

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")

pytestmark = pytest.mark.usefixtures("clean_proxy_environment")


@pytest.fixture
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 12, 0, 0))


@pytest.fixture
def case_and_document(api: Api) -> tuple[str, str]:
    from tests.builders import proposal

    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    items = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    return case_id, next(d["id"] for d in items if d["kind"] == "original-message")


@pytest.fixture
def receiver() -> Iterator[tuple[str, ReceiverState]]:
    with running_receiver(Behaviour(SECRET.encode())) as running:
        yield running


@pytest.fixture
def proxy() -> Iterator[tuple[str, ProxyLog]]:
    with running_proxy() as running:
        yield running


@pytest.fixture
def certificate(tmp_path: Path) -> SelfSigned:
    return self_signed(tmp_path)


def outbox_to(
    url: str, container: Container, clock: FakeClock, http: OutboundHttp | None = None
) -> Outbox:
    box = Outbox(db=container.db, clock=clock, max_attempts=4, base_delay=10, jitter=lambda: 1.0)
    adapter = FachverfahrenAdapter(
        container.db,
        container.files,
        {"buergerbudget": Endpoint(url, SECRET_ENV, 5.0)},
        environ={SECRET_ENV: SECRET},
        http=http or OutboundHttp(),
    )
    box.register(fachverfahren.KIND, adapter)
    return box


def test_with_http_proxy_set_the_fachverfahren_call_goes_through_the_proxy(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
    proxy: tuple[str, ProxyLog],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (url, state), (proxy_url, carried) = receiver, proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    box = outbox_to(url, container, clock)
    row_id = enqueue_delivery(container, clock, *case_and_document)

    assert box.deliver(row_id) == "delivered"

    assert carried.seen == [("POST", url)]
    assert [(c.status, c.signature_ok) for c in state.calls] == [(200, True)]
    assert state.effects == {
        row(container, row_id).idempotency_key: original_bytes(container, case_and_document[1])
    }


def test_a_host_in_no_proxy_is_called_directly(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
    proxy: tuple[str, ProxyLog],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (url, state), (proxy_url, carried) = receiver, proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    box = outbox_to(url, container, clock)
    row_id = enqueue_delivery(container, clock, *case_and_document)

    assert box.deliver(row_id) == "delivered"

    assert carried.seen == []
    assert len(state.calls) == 1


def test_a_proxy_that_is_down_is_retried_like_an_unreachable_receiver(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    receiver: tuple[str, ReceiverState],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, state = receiver
    with running_proxy() as (proxy_url, _):
        pass  # its port is closed again
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    box = outbox_to(url, container, clock)
    row_id = enqueue_delivery(container, clock, *case_and_document)

    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).last_error == "receiver-unreachable: DeliveryError"
    assert state.calls == []


def test_a_receiver_with_a_certificate_nobody_trusts_is_an_incident_not_a_success(
    api: Api,
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    certificate: SelfSigned,
) -> None:
    case_id, document_id = case_and_document
    with running_receiver(Behaviour(SECRET.encode()), tls=certificate.server_context()) as (
        url,
        state,
    ):
        box = outbox_to(url, container, clock)
        row_id = enqueue_delivery(container, clock, case_id, document_id)

        assert box.deliver(row_id) == "failed"

    assert state.calls == [] and state.effects == {}
    incidents = api.get(f"/cases/{case_id}", "anna").get_json()["incidents"]
    assert [(i["kind"], i["code"]) for i in incidents] == [("delivery", "receiver-tls")]


def test_a_webhook_subscriber_with_an_untrusted_certificate_fails_permanently(
    certificate: SelfSigned,
) -> None:
    with running_receiver(Behaviour(SECRET.encode()), tls=certificate.server_context()) as (
        url,
        state,
    ):
        subscriber = Subscriber(url, frozenset({"case.closed"}), SECRET_ENV)
        sender = WebhookSender([subscriber], {SECRET_ENV: SECRET})
        payload = {"url": url, "event": "case.closed", "body": {"event": "case.closed"}}
        with pytest.raises(DeliveryError) as refused:
            sender(Delivery("o", "c", "webhook", payload, "k", 1))
    assert (refused.value.code, refused.value.permanent) == ("webhook-tls", True)
    assert state.calls == []


def test_the_ca_bundle_setting_makes_the_citys_own_certificate_trusted(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    certificate: SelfSigned,
) -> None:
    trusting = OutboundHttp(HttpOptions(ca_bundle=str(certificate.cert_pem)))
    with running_receiver(Behaviour(SECRET.encode()), tls=certificate.server_context()) as (
        url,
        state,
    ):
        box = outbox_to(url, container, clock, http=trusting)
        row_id = enqueue_delivery(container, clock, *case_and_document)

        assert box.deliver(row_id) == "delivered"

    assert [(c.status, c.signature_ok) for c in state.calls] == [(200, True)]


def test_https_through_the_proxy_is_tunnelled_and_still_verified(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
    certificate: SelfSigned,
    proxy: tuple[str, ProxyLog],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy_url, carried = proxy
    monkeypatch.setenv("HTTPS_PROXY", proxy_url)
    trusting = OutboundHttp(HttpOptions(ca_bundle=str(certificate.cert_pem)))
    with running_receiver(Behaviour(SECRET.encode()), tls=certificate.server_context()) as (
        url,
        state,
    ):
        box = outbox_to(url, container, clock, http=trusting)
        row_id = enqueue_delivery(container, clock, *case_and_document)

        assert box.deliver(row_id) == "delivered"

    host_port = url.removeprefix("https://").split("/", 1)[0]
    assert carried.seen == [("CONNECT", host_port)]
    assert len(state.calls) == 1


def test_a_redirect_is_not_followed_with_a_signed_post(
    container: Container,
    clock: FakeClock,
    case_and_document: tuple[str, str],
) -> None:
    with running_receiver(Behaviour(SECRET.encode(), status=307)) as (url, state):
        box = outbox_to(url, container, clock)
        row_id = enqueue_delivery(container, clock, *case_and_document)
        assert box.deliver(row_id) == "failed"
    assert len(state.calls) == 1
    assert row(container, row_id).last_error == "receiver-refused: DeliveryError"


def test_the_jwks_of_an_identity_provider_is_fetched_through_the_proxy(
    proxy: tuple[str, ProxyLog], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_url, carried = proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    key = KeyPair.generate()
    idp = LoopbackIdp("jena", [key]).start()
    try:
        keys = RemoteKeys(idp.issuer, JsonFetcher())
        assert [k["kid"] for k in keys.jwks_for(key.kid)["keys"]] == [key.kid]
    finally:
        idp.stop()
    assert [target for _, target in carried.seen] == [
        f"{idp.issuer}/.well-known/openid-configuration",
        idp.base + idp.jwks_path,
    ]


def test_the_webdav_dms_is_reached_through_the_proxy(
    proxy: tuple[str, ProxyLog], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    proxy_url, carried = proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    with serve_or_skip(tmp_path / "dav", "dms", "dms-secret") as server:
        store = WebDavStore(server.url, "dms", "dms-secret", tmp_path / "incoming", timeout=10)
        key, _ = store.put_bytes(b"Bescheid", Placement(store))
        with store.open(key) as handle:
            assert handle.read() == b"Bescheid"
    assert {method for method, _ in carried.seen} >= {"HEAD", "MKCOL", "PUT", "PROPPATCH", "GET"}
    assert all(target.startswith(server.url) for _, target in carried.seen)


def test_sessions_are_shared_per_origin_and_carry_the_user_agent() -> None:
    http = OutboundHttp()
    first = http.session_for("https://fv.example:8443/a")
    assert http.session_for("https://FV.example:8443/b") is first
    assert http.session_for("https://fv.example/a") is not first
    assert first.headers["User-Agent"].startswith("egov/")
