from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from egov.intake.errors import IntakeError
from egov.intake.formats import FormatRegistry, compiled_schema, default_registry
from egov.intake.model import CanonicalApplication
from egov.intake.parsing import _Base64Sink

from .conftest import EXAMPLES, message

Parse = Callable[..., CanonicalApplication]


def test_a_schema_error_carries_the_path_and_the_line_of_the_offending_element(
    parse: Parse,
) -> None:
    raw = message().replace(b"<xfall:ars>160530000000<", b"<xfall:ars>1605<")
    line = raw[: raw.index(b"<xfall:ars>")].count(b"\n") + 1
    with pytest.raises(IntakeError) as caught:
        parse(raw)
    (param,) = caught.value.invalid_params
    assert caught.value.code == "schema-invalid"
    assert param["line"] == line
    assert param["name"].endswith("xfall:zustaendigeStelle/xfall:ars")


def test_a_fachdaten_error_carries_the_line_in_the_whole_message(parse: Parse) -> None:
    raw = message().replace(b"<kategorie>gruenflaeche<", b"<kategorie>mond<")
    line = raw[: raw.index(b"<kategorie>")].count(b"\n") + 1
    with pytest.raises(IntakeError) as caught:
        parse(raw)
    assert caught.value.code == "fachdaten-invalid"
    assert caught.value.invalid_params[0]["line"] == line
    assert caught.value.invalid_params[0]["name"].startswith("/xfall:antrag.einreichen/")


def test_a_message_split_into_odd_read_sizes_parses_the_same(
    workdir: Path, registry: FormatRegistry
) -> None:
    from egov.intake.parsing import parse_message
    from egov.intake.xml_guard import Limits

    class Trickle:
        def __init__(self, raw: bytes) -> None:
            self.raw = raw

        def read(self, size: int = -1) -> bytes:
            piece, self.raw = self.raw[:7], self.raw[7:]
            return piece

    raw = message(attachments=[("a.bin", "application/octet-stream", bytes(range(256)) * 9)])
    application = parse_message(
        Trickle(raw),  # type: ignore[arg-type]
        limits=Limits(),
        workdir=workdir,
        registry=registry,
    )
    assert application.attachments[0].path.read_bytes() == bytes(range(256)) * 9


@pytest.mark.parametrize(
    ("pieces", "content"),
    [
        (["QU", "JD", "\n", "RA", "=="], b"ABCD"),
        (["  Q U J D\r\n", ""], b"ABC"),
        ([], b""),
    ],
)
def test_base64_is_decoded_across_arbitrary_chunk_borders(
    workdir: Path, pieces: list[str], content: bytes
) -> None:
    sink = _Base64Sink(workdir, 1)
    for piece in pieces:
        sink.write(piece)
    streamed = sink.finish()
    assert streamed.path.read_bytes() == content
    assert streamed.size == len(content)


@pytest.mark.parametrize(
    "pieces", [["QQ==QUJD"], ["QQ==", "QUJD"], ["QUJ"], ["QU*D"], ["QUJDä==="]]
)
def test_broken_base64_is_an_attachment_error(workdir: Path, pieces: list[str]) -> None:
    sink = _Base64Sink(workdir, 1)
    with pytest.raises(IntakeError) as caught:
        for piece in pieces:
            sink.write(piece)
        sink.finish()
    sink.close()
    assert caught.value.code == "attachment-invalid-base64"


def test_schemas_are_compiled_once_and_shared() -> None:
    first, second = default_registry(), default_registry()
    assert first.formats()[0].schema() is second.formats()[0].schema()
    path = first.fachdaten_formats()[0].xsd_path
    assert compiled_schema(path) is compiled_schema(path)


def test_parallel_parsing_in_threads_gives_correct_results(
    tmp_path: Path, registry: FormatRegistry
) -> None:
    from egov.intake.parsing import parse_message
    from egov.intake.xml_guard import Limits

    paths = sorted((EXAMPLES / "valid").glob("*.xml")) * 5
    results: dict[int, str] = {}

    def work(index: int, path: Path) -> None:
        with path.open("rb") as source:
            app = parse_message(source, limits=Limits(), workdir=tmp_path, registry=registry)
        results[index] = app.message_id

    threads = [threading.Thread(target=work, args=item) for item in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(paths)


def test_another_container_format_can_be_registered_beside_the_profile(
    parse: Parse, workdir: Path
) -> None:
    import io

    from egov.intake.parsing import parse_message
    from egov.intake.xml_guard import Limits

    registry = default_registry()
    profile = registry.formats()[0]
    registry.register(
        replace(profile, key="xfall-offiziell-test", root_qname="{urn:test:xfall}antrag.einreichen")
    )
    assert registry.format_for_root(profile.root_qname) is profile
    assert len(registry.formats()) == len(default_registry().formats()) + 1
    application = parse_message(
        io.BytesIO(message()), limits=Limits(), workdir=workdir, registry=registry
    )
    assert application.format_key == profile.key
