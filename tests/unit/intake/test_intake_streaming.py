"""Large inline attachments are decoded to disk while parsing, not held in memory."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from egov.intake.formats import FormatRegistry
from egov.intake.parsing import parse_message
from egov.intake.xml_guard import Limits

from .conftest import message

PIECE = 3 * 64 * 1024  # a multiple of 3: base64 of the pieces concatenates cleanly
ATTACHMENT_BYTES = PIECE * 107  # 21,037,056 bytes, about 20 MiB
PLACEHOLDER = b"QUJD"  # base64 of b"ABC"


def content_pieces() -> Iterator[bytes]:
    for index in range(ATTACHMENT_BYTES // PIECE):
        seed = hashlib.sha512(index.to_bytes(8, "big")).digest()
        yield (seed * (PIECE // len(seed) + 1))[:PIECE]


def write_big_message(path: Path) -> tuple[str, int]:
    """Write a message with a ~20 MiB attachment without ever holding it in memory."""
    sha512 = hashlib.sha512()
    for piece in content_pieces():
        sha512.update(piece)
    raw = message(attachments=[("gross.bin", "application/octet-stream", b"ABC")])
    raw = raw.replace(hashlib.sha512(b"ABC").hexdigest().encode(), sha512.hexdigest().encode())
    raw = raw.replace(b"<xfall:groesse>3<", f"<xfall:groesse>{ATTACHMENT_BYTES}<".encode())
    head, tail = raw.split(PLACEHOLDER)
    with path.open("wb") as out:
        out.write(head)
        for piece in content_pieces():
            out.write(base64.encodebytes(piece))
        out.write(tail)
    return sha512.hexdigest(), ATTACHMENT_BYTES


@pytest.fixture(scope="module")
def big_message(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("big") / "gross.xml"
    digest, _ = write_big_message(path)
    return path, digest


@pytest.mark.slow
def test_a_20_mib_attachment_is_parsed_with_python_memory_far_below_its_size(
    big_message: tuple[Path, str], workdir: Path, registry: FormatRegistry
) -> None:
    path, digest = big_message
    tracemalloc.start()
    try:
        with path.open("rb") as source:
            application = parse_message(source, limits=Limits(), workdir=workdir, registry=registry)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (attachment,) = application.attachments
    assert (attachment.size, attachment.sha512) == (ATTACHMENT_BYTES, digest)
    assert attachment.path.stat().st_size == ATTACHMENT_BYTES
    assert peak < 4 * 1024 * 1024, f"peak traced memory {peak} bytes"  # measured: ~1.5 MiB


MEASURE = """
import json, resource, sys
from pathlib import Path
from egov.intake.formats import default_registry
from egov.intake.parsing import parse_message
from egov.intake.xml_guard import Limits
registry = default_registry()
for fmt in registry.formats(): fmt.schema()
for fd in registry.fachdaten_formats(): fd.schema()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "rb") as source:
    app = parse_message(source, limits=Limits(), workdir=Path(sys.argv[2]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_kib": after - before, "size": app.attachments[0].size}))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_a_20_mib_attachment_raises_the_peak_resident_memory_by_only_a_few_mib(
    big_message: tuple[Path, str], workdir: Path
) -> None:
    path, _ = big_message
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(workdir)],
        capture_output=True,
        check=True,
        text=True,
        timeout=120,
    )
    measured = json.loads(result.stdout)
    assert measured["size"] == ATTACHMENT_BYTES
    assert measured["growth_kib"] < 10 * 1024, measured  # includes libxml2; measured: ~3 MiB
