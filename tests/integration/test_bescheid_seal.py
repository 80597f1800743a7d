"""With a seal key configured, a Bescheid's PDF/A carries a PAdES seal (pyHanko) that
validates against the seal's certificate, and it is still PDF/A with its text."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from egov.app import create_app
from tests.conftest import Api, make_settings
from tests.integration.test_bescheide import WIDERSPRUCH, rejected
from tests.integration.test_letter_notice import letter_sent
from tests.support.pdfa import pdfa_problems, text_of

PASSWORD = "nur-für-tests"


def seal_key(folder: Path) -> tuple[Path, x509.Certificate]:
    """A self-signed seal certificate of a fictional city, as PKCS#12."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stadt Jena Siegel (Test)")])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
    path = folder / "siegel.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"siegel", key, cert, None, encryption))
    return path, cert


@pytest.fixture
def sealing(database_url: str, tmp_path: Path) -> Iterator[tuple[Api, x509.Certificate]]:
    path, cert = seal_key(tmp_path)
    settings = dataclasses.replace(
        make_settings(tmp_path / "var", database_url),
        letter_seal_pkcs12=str(path),
        letter_seal_password=PASSWORD,
    )
    app: Flask = create_app(settings)
    yield Api(app.test_client(), app.extensions["egov"]), cert
    app.extensions["egov"].db.dispose()


def test_a_sealed_bescheid_validates_and_stays_pdfa(
    sealing: tuple[Api, x509.Certificate],
) -> None:
    api, cert = sealing
    receipt = rejected(api)
    sent = letter_sent(api, receipt["case_id"])
    assert sent["sealed"] is True
    pdf = api.get(f"/documents/{sent['pdf_document_id']}/content", "erika").data

    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    root = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted
    assert pdfa_problems(pdf) == []
    assert WIDERSPRUCH in " ".join(text_of(pdf).split())


def test_without_a_key_the_bescheid_is_not_sealed(api: Api) -> None:
    receipt = rejected(api)
    sent = letter_sent(api, receipt["case_id"])
    pdf = api.get(f"/documents/{sent['pdf_document_id']}/content", "erika").data
    assert sent["sealed"] is False
    assert PdfFileReader(io.BytesIO(pdf)).embedded_signatures == []
