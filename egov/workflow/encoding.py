"""Reading the XML of a model (BPMN, DMN) in the encoding it declares, without a DOCTYPE.

A model arrives as bytes: from a folder (``egov deploy``), a multipart upload or a ZIP in the
encoding its XML declaration names, or through the API as JSON text (then UTF-8, whatever the
declaration says). A byte order mark decides (UTF-8, UTF-16); without one UTF-8 is tried
first, then the declared encoding (ISO-8859-1 or windows-1252 as older modelers write it), so
umlauts stay intact either way. The tree is parsed from UTF-8 with the declaration
overridden. A ``<!DOCTYPE`` (entities, external references) is refused before the parser sees
the model, as intake does for incoming messages (``egov.intake.xml_guard``).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from lxml import etree

from egov.workflow.bundle_errors import WorkflowError

MODEL_SUFFIXES = (".bpmn", ".dmn")
DOCTYPE = "<!DOCTYPE"
_DECLARED = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _refused(name: str, reason: str, message: str, line: int | None = None) -> WorkflowError:
    param: dict[str, Any] = {"name": name, "reason": reason}
    if line is not None:
        param["line"] = line
    return WorkflowError("bpmn-invalid", message, f"{name}: {reason}", [param])


BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def model_text(name: str, content: bytes) -> str:
    """The text of one model file; a DOCTYPE or an unreadable encoding is `bpmn-invalid`."""
    bom = next((encoding for mark, encoding in BOMS if content.startswith(mark)), None)
    try:
        text = content.decode(bom or "utf-8")
    except UnicodeDecodeError:
        text = _declared(name, content)
    if DOCTYPE in text:
        raise _refused(
            name,
            "Eine DOCTYPE-Deklaration ist in Prozessmodellen nicht erlaubt.",
            f"Datei {name} enthält eine DOCTYPE-Deklaration; sie ist nicht erlaubt.",
        )
    return text


def _declared(name: str, content: bytes) -> str:
    head = content[:200].decode("ascii", errors="replace")
    found = _DECLARED.match(head)
    encoding = found.group(1) if found else "utf-8"
    try:
        codecs.lookup(encoding)
        return content.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        reason = f"nicht lesbar in der deklarierten Kodierung {encoding}"
        start = exc.start if isinstance(exc, UnicodeDecodeError) else None
        line = content[:start].count(b"\n") + 1 if start is not None else None
        raise _refused(name, reason, f"Datei {name} ist {reason}.", line) from exc


def parse_model(name: str, content: bytes) -> Any:
    """The lxml tree of one model file (see the module), entities never resolved."""
    text = model_text(name, content)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, encoding="utf-8")
    try:
        return etree.fromstring(text.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise WorkflowError(
            "bpmn-invalid",
            f"Datei {name} ist kein gültiges XML (Zeile {line}).",
            str(exc),
            [{"name": name, "reason": "kein wohlgeformtes XML", "line": line}],
        ) from exc
