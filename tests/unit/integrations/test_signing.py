from __future__ import annotations

import hashlib
import hmac

import pytest

from egov.errors import DomainError
from egov.integrations.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    verify,
)

SECRET = b"geheimnis-der-stadt-jena"
OTHER = b"ein-anderes-geheimnis"
BODY = b'{"type":"https://schema.fitko.de/fit-connect/callbacks/new-submissions"}'
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


def _refused(code: str) -> pytest.RaisesExc[SignatureError]:
    return pytest.raises(SignatureError, check=lambda error: error.code == code)


def test_sign_produces_the_two_fit_connect_headers() -> None:
    headers = sign(SECRET, BODY, NOW)
    expected = hmac.new(SECRET, f"{NOW}.".encode() + BODY, hashlib.sha512).hexdigest()
    assert headers == {SIGNATURE_HEADER: expected, TIMESTAMP_HEADER: str(NOW)}
    assert SIGNATURE_HEADER == "callback-authentication"
    assert TIMESTAMP_HEADER == "callback-timestamp"


def test_a_signed_message_verifies() -> None:
    verify(SECRET, BODY, sign(SECRET, BODY, NOW), now=NOW)


def test_a_message_signed_a_few_minutes_ago_still_verifies() -> None:
    verify(SECRET, BODY, sign(SECRET, BODY, NOW - 300), now=NOW)


def test_an_empty_body_can_be_signed_and_verified() -> None:
    verify(SECRET, b"", sign(SECRET, b"", NOW), now=NOW)


def test_header_names_are_case_insensitive_and_the_hex_digest_too() -> None:
    headers = {name.title(): value.upper() for name, value in sign(SECRET, BODY, NOW).items()}
    verify(SECRET, BODY, headers, now=NOW)


def test_a_tampered_body_is_refused() -> None:
    headers = sign(SECRET, BODY, NOW)
    with _refused("signature-invalid"):
        verify(SECRET, BODY + b" ", headers, now=NOW)


def test_a_tampered_timestamp_is_refused() -> None:
    headers = sign(SECRET, BODY, NOW - 10) | {TIMESTAMP_HEADER: str(NOW)}
    with _refused("signature-invalid"):
        verify(SECRET, BODY, headers, now=NOW)


def test_a_message_signed_with_another_secret_is_refused() -> None:
    with _refused("signature-invalid"):
        verify(SECRET, BODY, sign(OTHER, BODY, NOW), now=NOW)


def test_a_signature_that_is_not_hex_is_refused() -> None:
    headers = sign(SECRET, BODY, NOW) | {SIGNATURE_HEADER: "ä" * 128}
    with _refused("signature-invalid"):
        verify(SECRET, BODY, headers, now=NOW)


def test_a_truncated_signature_is_refused() -> None:
    headers = sign(SECRET, BODY, NOW)
    headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER][:64]
    with _refused("signature-invalid"):
        verify(SECRET, BODY, headers, now=NOW)


def test_an_old_timestamp_is_refused_as_expired() -> None:
    with _refused("signature-expired"):
        verify(SECRET, BODY, sign(SECRET, BODY, NOW - 301), now=NOW)


def test_the_maximum_age_can_be_chosen() -> None:
    headers = sign(SECRET, BODY, NOW - 30)
    verify(SECRET, BODY, headers, now=NOW, max_age=30)
    with _refused("signature-expired"):
        verify(SECRET, BODY, headers, now=NOW, max_age=29)


def test_a_timestamp_far_in_the_future_is_refused() -> None:
    with _refused("timestamp-invalid"):
        verify(SECRET, BODY, sign(SECRET, BODY, NOW + 61), now=NOW)


def test_a_little_clock_skew_into_the_future_is_tolerated() -> None:
    verify(SECRET, BODY, sign(SECRET, BODY, NOW + 60), now=NOW)


@pytest.mark.parametrize("stamp", ["", " ", "-5", "+5", "1_767_225_600", "1.5", "١٢٣", "9" * 16])
def test_a_timestamp_that_is_not_plain_decimal_seconds_is_refused(stamp: str) -> None:
    headers = sign(SECRET, BODY, NOW) | {TIMESTAMP_HEADER: stamp}
    code = "signature-missing" if not stamp.strip() else "timestamp-invalid"
    with _refused(code):
        verify(SECRET, BODY, headers, now=NOW)


@pytest.mark.parametrize("missing", [SIGNATURE_HEADER, TIMESTAMP_HEADER])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = sign(SECRET, BODY, NOW)
    del headers[missing]
    with _refused("signature-missing"):
        verify(SECRET, BODY, headers, now=NOW)


def test_no_headers_at_all_are_refused() -> None:
    with _refused("signature-missing"):
        verify(SECRET, BODY, {}, now=NOW)


def test_during_a_rotation_the_new_and_the_old_secret_are_accepted() -> None:
    secrets = [SECRET, OTHER]
    verify(secrets, BODY, sign(SECRET, BODY, NOW), now=NOW)
    verify(secrets, BODY, sign(OTHER, BODY, NOW), now=NOW)


def test_after_a_rotation_the_retired_secret_is_refused() -> None:
    with _refused("signature-invalid"):
        verify([b"das-neue-geheimnis"], BODY, sign(SECRET, BODY, NOW), now=NOW)


def test_an_empty_list_of_secrets_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        verify([], BODY, sign(SECRET, BODY, NOW), now=NOW)


def test_an_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        sign(b"", BODY, NOW)
    with pytest.raises(ValueError, match="non-empty"):
        verify([SECRET, b""], BODY, sign(SECRET, BODY, NOW), now=NOW)


def test_the_signature_error_is_a_domain_error_with_a_german_message() -> None:
    error = SignatureError("signature-expired")
    assert isinstance(error, DomainError)
    assert error.code == "signature-expired"
    assert error.message == "Die Signatur der Nachricht ist abgelaufen."
