"""Webhook subscribers from EGOV_WEBHOOKS and the bytes that are signed, without a network."""

from __future__ import annotations

import json
from typing import Any

import pytest

from egov.integrations import signing
from egov.integrations.webhooks import Subscriber, WebhookSender, encode, parse
from egov.outbox.service import Delivery, DeliveryError

ENV = {"EGOV_HOOK_SECRET": "s3cret", "EGOV_HOOK_EMPTY": " , "}
GOOD = {
    "url": "https://fv.example/hooks",
    "events": ["case.overdue"],
    "secret_env": "EGOV_HOOK_SECRET",
}


def hooks(*entries: Any) -> str:
    return json.dumps(list(entries))


def test_an_empty_setting_means_no_subscribers() -> None:
    assert parse("", ENV) == ()
    assert parse("[]", ENV) == ()


def test_a_subscriber_has_url_events_secret_variable_and_timeout() -> None:
    [found] = parse(hooks({**GOOD, "timeout_seconds": 3}), ENV)
    assert found == Subscriber(
        "https://fv.example/hooks", frozenset({"case.overdue"}), "EGOV_HOOK_SECRET", 3.0
    )
    assert found.key == Subscriber("https://fv.example/hooks", frozenset(), "X").key


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps(GOOD), "must be a JSON list"),
        (hooks("https://x.example"), r"\[0\]: expected an object"),
        (hooks({**GOOD, "url": "ftp://x.example"}), r"\[0\]: 'url'"),
        (hooks({**GOOD, "events": []}), r"\[0\]: 'events'"),
        (hooks({**GOOD, "events": ["case.eaten"]}), r"\[0\]: 'events'"),
        (hooks({**GOOD, "secret_env": ""}), r"\[0\]: 'secret_env'"),
        (hooks({**GOOD, "secret_env": "EGOV_HOOK_MISSING"}), "EGOV_HOOK_MISSING is not set"),
        (hooks({**GOOD, "secret_env": "EGOV_HOOK_EMPTY"}), "EGOV_HOOK_EMPTY is not set"),
        (hooks({**GOOD, "timeout_seconds": 0}), r"\[0\]: 'timeout_seconds'"),
        (hooks({**GOOD, "secret": "inline"}), r"\[0\]: unknown keys \['secret'\]"),
        (hooks(GOOD, GOOD), "twice"),
        (hooks(GOOD, {**GOOD, "url": "http:///nohost"}), r"\[1\]: 'url'"),
    ],
)
def test_a_broken_subscriber_list_is_refused_naming_the_entry(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(raw, ENV)


def test_the_body_is_compact_sorted_utf8_json_that_a_receiver_can_verify() -> None:
    body = {"event": "case.overdue", "data": {"org_unit": "büro"}, "case_id": "c"}
    encoded = encode(body)
    assert encoded == '{"case_id":"c","data":{"org_unit":"büro"},"event":"case.overdue"}'.encode()
    headers = signing.sign(b"s3cret", encoded, 1_700_000_000)
    signing.verify(b"s3cret", encoded, headers, 1_700_000_000)


def delivery(url: str) -> Delivery:
    payload = {"url": url, "event": "case.overdue", "body": {"event": "case.overdue"}}
    return Delivery("row-1", "case-1", "webhook", payload, "webhook:k:c:1", 1)


def test_a_row_for_a_subscriber_that_was_removed_fails_permanently() -> None:
    sender = WebhookSender((), ENV)
    with pytest.raises(DeliveryError) as caught:
        sender(delivery("https://gone.example/hooks"))
    assert (caught.value.code, caught.value.permanent) == ("webhook-unknown", True)


def test_a_secret_that_disappeared_from_the_environment_fails_permanently() -> None:
    [subscriber] = parse(hooks(GOOD), ENV)
    sender = WebhookSender((subscriber,), {})
    with pytest.raises(DeliveryError) as caught:
        sender(delivery(subscriber.url))
    assert (caught.value.code, caught.value.permanent) == ("webhook-no-secret", True)
