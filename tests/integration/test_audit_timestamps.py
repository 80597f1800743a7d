"""RFC 3161 time-stamps of the audit checkpoints (ADR 0045) against a real TSA on 127.0.0.1
(`openssl ts -reply`): the token is stored and verified with the TSA's time; a checkpoint
re-signed later, even with the right key, no longer matches its token; a TSA of another CA is
not trusted; an unreachable TSA leaves the checkpoint untimestamped, and the sweep fills it
after the retry interval; one still untimestamped after a day fails the verification."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from egov import wiring
from egov.audit.checkpoint import merkle_root, statement
from egov.audit.checkpoints import AuditCheckpoint
from egov.audit.timestamps import (
    Timestamper,
    TimestampFailed,
    imprint,
    load_trust_roots,
    request_body,
    token_from_reply,
)
from egov.cli import main
from egov.container import Container
from egov.http_client import OutboundHttp
from egov.runtime.sweep import Sweeper
from tests.conftest import Api
from tests.integration.test_audit_trail import filed_case
from tests.support.servers import started_or_skip
from tests.support.tsa import LocalTsa, make_ca, pem


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    with started_or_skip(LocalTsa(tmp_path / "tsa"), "openssl ts") as server:
        yield server


@pytest.fixture
def stamped(container: Container, tsa: LocalTsa) -> Container:
    container.checkpoints.timestamper = Timestamper(
        tsa.url, load_trust_roots(str(tsa.ca_file)), OutboundHttp()
    )
    return container


def test_verify_all_reports_the_tsa_time_of_the_stored_token(
    api: Api, stamped: Container, tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch
) -> None:
    filed_case(api)
    made = stamped.checkpoints.make()
    assert made.timestamp_token and made.timestamp_nonce is not None and tsa.requests == 1
    for name, value in {
        "EGOV_DATA_DIR": str(stamped.settings.data_dir),
        "EGOV_DATABASE_URL": stamped.settings.effective_database_url,
        "EGOV_AUDIT_TSA_URL": tsa.url,
        "EGOV_AUDIT_TSA_CA_FILE": str(tsa.ca_file),
    }.items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["verify-audit", "--all"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["checkpoint"]["timestamped"] is True
    timestamp = report["timestamp"]
    assert timestamp["status"] == "verified"
    assert timestamp["tsa"] == "Common Name: Zeitstempeldienst Jena (fiktiv)"
    tsa_time = datetime.fromisoformat(timestamp["time"]).replace(tzinfo=None)
    assert abs(tsa_time - made.created_at.replace(tzinfo=None)) < timedelta(minutes=2)


def test_a_checkpoint_re_signed_with_the_right_key_no_longer_matches_its_token(
    api: Api, stamped: Container
) -> None:
    filed_case(api)
    made = stamped.checkpoints.make()
    signer = stamped.checkpoints.signer
    heads: list[list[object]] = []  # every case forgotten, signed again afterwards
    root = merkle_root([])
    forged = statement(root, 0, made.created_at, made.key_id)
    with stamped.db.transaction() as session:
        session.execute(
            update(AuditCheckpoint)
            .where(AuditCheckpoint.id == made.id)
            .values(root=root, size=0, heads=heads, signature=signer.sign(forged))
        )

    report = stamped.checkpoints.verify_all()

    assert not report.valid
    assert report.checkpoint_fault == "time-stamp does not cover this checkpoint"
    assert report.timestamp is not None and report.timestamp["status"] == "invalid"


def test_a_token_of_a_tsa_under_another_ca_is_not_trusted(
    api: Api, stamped: Container, tmp_path: Path
) -> None:
    filed_case(api)
    stamped.checkpoints.make()
    other = tmp_path / "other-ca.pem"
    other.write_bytes(pem(make_ca("Fremde CA (fiktiv)")[1]))
    timestamper = stamped.checkpoints.timestamper
    assert timestamper is not None
    timestamper.trust_roots = load_trust_roots(str(other))

    report = stamped.checkpoints.verify_all()

    assert report.checkpoint_fault == "time-stamp not from a TSA of the trust anchor"


def test_an_unreachable_tsa_leaves_the_checkpoint_untimestamped_and_the_sweep_fills_it(
    api: Api, stamped: Container, tsa: LocalTsa, caplog: pytest.LogCaptureFixture
) -> None:
    filed_case(api)
    tsa.refuse = True
    with caplog.at_level(logging.WARNING, logger="egov.audit.checkpoints"):
        made = stamped.checkpoints.make()
    assert made.timestamp_token is None and made.timestamp_tried_at is not None
    assert "audit_timestamp_failed" in caplog.text and "HTTP 503" in caplog.text
    report = stamped.checkpoints.verify_all()
    assert report.valid and report.timestamp == {"status": "missing"}

    tsa.refuse = False
    assert "audit_timestamped" not in Sweeper(stamped, None)()  # retry interval not over
    now = stamped.clock()
    stamped.checkpoints.clock = lambda: now + timedelta(seconds=301)

    assert Sweeper(stamped, None)().get("audit_timestamped") == 1

    report = stamped.checkpoints.verify_all()
    assert report.valid and report.timestamp is not None
    assert report.timestamp["status"] == "verified"


def test_a_checkpoint_still_untimestamped_after_the_grace_period_fails_verification(
    api: Api, stamped: Container, tsa: LocalTsa
) -> None:
    filed_case(api)
    tsa.refuse = True  # the TSA stays down
    stamped.checkpoints.make()
    now = stamped.clock()
    stamped.checkpoints.clock = lambda: now + timedelta(hours=23)
    assert stamped.checkpoints.verify_all().valid  # within a day: the sweep keeps trying

    stamped.checkpoints.clock = lambda: now + timedelta(hours=25)
    report = stamped.checkpoints.verify_all()

    assert not report.valid and report.timestamp == {"status": "overdue"}
    assert report.checkpoint_fault is not None and "not time-stamped" in report.checkpoint_fault


def test_an_answer_with_another_nonce_or_imprint_is_refused(tsa: LocalTsa) -> None:
    digest = imprint(b"checkpoint")
    reply = tsa.reply(request_body(digest, 41))

    assert token_from_reply(reply, digest, 41)
    with pytest.raises(TimestampFailed, match="another nonce"):
        token_from_reply(reply, digest, 42)
    with pytest.raises(TimestampFailed, match="another message imprint"):
        token_from_reply(reply, imprint(b"other"), 41)
    with pytest.raises(TimestampFailed, match="no TimeStampResp"):
        token_from_reply(b"<html>Wartung</html>", digest, 41)


def test_a_tsa_url_without_its_trust_anchor_does_not_start(container: Container) -> None:
    settings = dataclasses.replace(container.settings, audit_tsa_url="http://127.0.0.1:9/tsa")

    with pytest.raises(RuntimeError, match="EGOV_AUDIT_TSA_CA_FILE"):
        wiring.timestamper(settings, OutboundHttp())
