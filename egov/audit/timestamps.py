"""RFC 3161 time-stamps of the audit checkpoints (ADR 0045): the request to a time-stamping
authority, the checks of its answer, and the verification of a stored token.

The message imprint is SHA-256 of the checkpoint's signed statement (`checkpoint.statement`),
so the token binds the root, the size, the time and the key id: a checkpoint re-signed later,
even with the right key, no longer matches its token. Each request carries a random nonce
and asks for the TSA's certificate (certReq); the token is checked with pyHanko: its
signature, the TSA certificate's chain to the configured trust anchor (at the token's time,
revocation not fetched) and the extended key usage timeStamping.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, pem, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from egov.http_client import OutboundHttp, TooLarge, read_capped

MAX_REPLY = 64 * 1024
QUERY_TYPE = "application/timestamp-query"


class TimestampFailed(Exception):
    """No usable token came from the TSA (unreachable, refused, or a wrong answer)."""


@dataclass(frozen=True)
class Stamp:
    token: bytes  # DER of the TimeStampToken (CMS ContentInfo)
    nonce: int


@dataclass(frozen=True)
class TokenCheck:
    fault: str | None = None
    time: datetime | None = None  # the TSA's genTime
    tsa: str | None = None  # the TSA certificate's subject


def imprint(statement: bytes) -> bytes:
    return hashlib.sha256(statement).digest()


def request_body(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq: SHA-256 imprint, the nonce, certReq."""
    req = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return bytes(req.dump())


def token_from_reply(reply: bytes, digest: bytes, nonce: int) -> bytes:
    """The token of a TimeStampResp, if granted and about `digest` with `nonce`."""
    try:
        response = tsp.TimeStampResp.load(reply)
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise TimestampFailed(f"TSA answered {status}")
        token = response["time_stamp_token"]
        info = _info(token)
    except (ValueError, TypeError, KeyError) as error:
        raise TimestampFailed(f"no TimeStampResp: {type(error).__name__}") from None
    if info["nonce"].native != nonce:
        raise TimestampFailed("TSA answered with another nonce")
    if info["message_imprint"]["hashed_message"].native != digest:
        raise TimestampFailed("TSA answered for another message imprint")
    return bytes(token.dump())


@dataclass
class Timestamper:
    """A configured TSA: where to ask and whom to trust (EGOV_AUDIT_TSA_URL,
    EGOV_AUDIT_TSA_CA_FILE); failed checkpoints are tried again after `retry_seconds`, and
    one still untimestamped after `grace_seconds` fails the verification."""

    url: str
    trust_roots: list[asn1_x509.Certificate]
    http: OutboundHttp
    retry_seconds: float = 300.0
    grace_seconds: float = 86400.0

    def stamp(self, statement: bytes) -> Stamp:
        digest, nonce = imprint(statement), secrets.randbits(63)
        headers = {"Content-Type": QUERY_TYPE, "Accept": "application/timestamp-reply"}
        try:
            with self.http.request(
                "POST", self.url, body=request_body(digest, nonce), headers=headers
            ) as response:
                reply = read_capped(response, MAX_REPLY)
                status = response.status_code
        except OSError as error:  # requests' exceptions: no answer
            raise TimestampFailed(f"TSA unreachable: {type(error).__name__}") from None
        except TooLarge:
            raise TimestampFailed("TSA answer too large") from None
        if status != 200:
            raise TimestampFailed(f"TSA answered HTTP {status}")
        return Stamp(token_from_reply(reply, digest, nonce), nonce)

    def check(self, token: bytes, statement: bytes, nonce: int | None) -> TokenCheck:
        return check_token(token, statement, nonce, self.trust_roots)


def check_token(
    token: bytes, statement: bytes, nonce: int | None, trust_roots: list[asn1_x509.Certificate]
) -> TokenCheck:
    """Whether `token` time-stamps `statement` with `nonce`, signed by a TSA certified under
    one of `trust_roots`; the TSA time and subject when it does."""
    try:
        content = cms.ContentInfo.load(token)
        info = _info(content)
        time = info["gen_time"].native
    except (ValueError, TypeError, KeyError):
        return TokenCheck("time-stamp token unreadable")
    if info["message_imprint"]["hashed_message"].native != imprint(statement):
        return TokenCheck("time-stamp does not cover this checkpoint", time)
    if nonce is not None and info["nonce"].native != nonce:
        return TokenCheck("time-stamp nonce differs from the request's", time)
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False, moment=time)
    digest = imprint(statement)
    try:
        found = asyncio.run(validate_tst_signed_data(content["content"], context, lambda _: digest))
    except (SignatureValidationError, ValueError, KeyError):  # a malformed SignedData
        return TokenCheck("time-stamp signature invalid", time)
    status = TimestampSignatureStatus(**found)
    tsa = status.signing_cert.subject.human_friendly
    if not (status.intact and status.valid):
        return TokenCheck("time-stamp signature invalid", time, tsa)
    if not status.trusted:
        return TokenCheck("time-stamp not from a TSA of the trust anchor", time, tsa)
    return TokenCheck(None, time, tsa)


def load_trust_roots(path: str) -> list[asn1_x509.Certificate]:
    """The CA certificates (PEM or DER) in EGOV_AUDIT_TSA_CA_FILE."""
    data = Path(path).read_bytes()
    if not pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


def _info(token: cms.ContentInfo) -> tsp.TSTInfo:
    return token["content"]["encap_content_info"]["content"].parsed
