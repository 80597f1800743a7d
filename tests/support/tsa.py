"""A real RFC 3161 time-stamping authority on 127.0.0.1 for the tests: `openssl ts -reply`
behind a small HTTP server, with a CA and a TSA certificate (extendedKeyUsage timeStamping,
critical) made here with `cryptography`."""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CONFIG = """[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {dir}/serial
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
certs = {dir}/ca.pem
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class LocalTsa:
    """`start()` writes the certificates and config into `folder` and serves POST /tsa."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests = 0
        self.refuse = False  # answer 503, as a TSA that is down for maintenance
        self._lock = threading.Lock()  # one openssl run at a time (shared files)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    def start(self) -> LocalTsa:
        if shutil.which("openssl") is None:
            raise OSError("openssl not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_certificates()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reply(self, query: bytes) -> bytes:
        with self._lock:
            return self._reply(query)

    def _reply(self, query: bytes) -> bytes:
        self.requests += 1
        config, query_file, out = (self.folder / n for n in ("ts.cnf", "query.tsq", "r.tsr"))
        query_file.write_bytes(query)
        subprocess.run(
            ["openssl", "ts", "-reply", "-config", config, "-queryfile", query_file, "-out", out],
            check=True,
            capture_output=True,
        )
        return out.read_bytes()

    def _write_certificates(self) -> None:
        ca_key, ca = make_ca("Test-CA der Zeitstempel (fiktiv)")
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        tsa = (
            x509.CertificateBuilder()
            .subject_name(_name("Zeitstempeldienst Jena (fiktiv)"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file.write_bytes(pem(ca))
        (self.folder / "tsa.pem").write_bytes(pem(tsa))
        (self.folder / "tsa.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (self.folder / "serial").write_text("01\n")
        (self.folder / "ts.cnf").write_text(CONFIG.format(dir=self.folder))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if tsa.refuse:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
