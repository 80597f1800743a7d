"""`Content-Disposition` of document downloads: always `attachment`, with a file name that is
safe in any browser: no path parts, no control or invisible format characters (such as the
right-to-left override that turns `txt.exe` into `exe.txt`), an ASCII fallback `filename=`
without quotes or backslashes, and the real name as RFC 5987 `filename*=UTF-8''...`."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FALLBACK_NAME = "dokument"
MAX_NAME = 200
_NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()+-]+")


def attachment(filename: str) -> str:
    name = safe_name(filename)
    return f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def safe_name(filename: str) -> str:
    """The last path part, without control, format or line-separator characters, without
    leading dots and surrounding blanks; `dokument` if nothing is left."""
    last = re.split(r"[/\\]", filename)[-1]
    kept = "".join(_visible(ch) for ch in last)
    name = kept.strip().lstrip(".").strip()[:MAX_NAME]
    return name or FALLBACK_NAME


def _visible(ch: str) -> str:
    """The character itself, a space for any kind of space, nothing for the invisible."""
    category = unicodedata.category(ch)
    if category[0] == "C" or category in ("Zl", "Zp"):
        return ""
    return " " if category == "Zs" else ch


def ascii_name(name: str) -> str:
    """An ASCII form of a safe name for old clients: letters folded (ä -> a, ß -> ss), every
    other character an underscore, so no quote, backslash or semicolon is left."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("ẞ", "SS"))
    folded = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    ascii_only = _NOT_SAFE_ASCII.sub("_", folded).strip().lstrip(".")
    return ascii_only if ascii_only.strip("._ ") else FALLBACK_NAME
