"""The shell examples of a Markdown page: each fenced ```sh block right after a line
`<!-- example: NAME -->`, so tests run what the page shows, as it shows it."""

from __future__ import annotations

import re
from pathlib import Path

MARKED = re.compile(r"^<!-- example: ([^>]+?) -->\n```sh\n(.*?)^```$", re.M | re.S)


def examples(page: Path) -> dict[str, str]:
    found = {name: body for name, body in MARKED.findall(page.read_text(encoding="utf-8"))}
    assert found, f"{page} marks no example"
    return found


def commands(block: str) -> list[str]:
    """The lines of a block that run something (comments and blank lines dropped)."""
    return [
        line.split("  #", 1)[0].strip()
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
