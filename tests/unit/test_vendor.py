"""The vendored browser assets (vendor/vendor.py): the checked-in copies under
egov/ui/static/vendor/ are exactly the files MANIFEST.json lists, of exactly the versions in
vendor/package-lock.json, so a clean clone serves what `make vendor` would copy."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("egov_vendor", ROOT / "vendor" / "vendor.py")
assert _spec is not None and _spec.loader is not None
vendor = importlib.util.module_from_spec(_spec)
sys.modules["egov_vendor"] = vendor
_spec.loader.exec_module(vendor)

LOCK = json.loads((ROOT / "vendor" / "package-lock.json").read_text())
PINS = json.loads((ROOT / "vendor" / "package.json").read_text())["dependencies"]
MANIFEST = json.loads(vendor.MANIFEST.read_text())


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A copy of the checked-in vendor folder to tamper with."""
    return Path(shutil.copytree(vendor.TARGET, tmp_path / "vendor"))


def problems(target: Path, manifest: dict[str, Any] = MANIFEST, pins: Any = PINS) -> list[str]:
    return list(vendor.check(manifest, LOCK, pins, target))


def test_the_checked_in_copies_are_exactly_the_manifest_of_the_locked_versions() -> None:
    assert vendor.check_checked_in() == []
    assert set(MANIFEST) == {"axe-core", "bpmn-js", "htmx.org", "leaflet"}


def test_every_vendored_package_ships_its_licence() -> None:
    for package, entry in MANIFEST.items():
        assert "LICENSE" in entry["files"], package
    bundled = {name for name in MANIFEST["bpmn-js"]["files"] if name.startswith("licenses/")}
    assert "licenses/diagram-js-LICENSE" in bundled


def test_a_changed_byte_in_a_copy_is_found(target: Path) -> None:
    htmx = target / "htmx.org" / "htmx.min.js"
    htmx.write_bytes(htmx.read_bytes() + b"\n")
    assert problems(target) == ["htmx.org/htmx.min.js: differs from MANIFEST.json (sha256)"]


def test_a_file_outside_the_manifest_and_a_missing_one_are_found(target: Path) -> None:
    (target / "leaflet" / "leaflet-src.js").write_text("// not vendored\n")
    (target / "axe-core" / "axe.min.js").unlink()
    assert problems(target) == [
        "leaflet/leaflet-src.js: not in MANIFEST.json",
        "axe-core/axe.min.js: missing",
    ]


def test_a_manifest_of_another_version_than_the_lock_is_found(target: Path) -> None:
    manifest = copy.deepcopy(MANIFEST)
    manifest["leaflet"]["version"] = "1.9.3"
    assert problems(target, manifest=manifest) == [
        "leaflet: MANIFEST.json has 1.9.3, lock has 1.9.4"
    ]


def test_a_range_in_package_json_instead_of_an_exact_pin_is_found(target: Path) -> None:
    pins = {**PINS, "axe-core": "^4.14.1"}
    assert problems(target, pins=pins) == ["axe-core: package.json pins ^4.14.1, lock has 4.14.1"]


def test_every_vendored_file_a_template_names_is_in_the_manifest() -> None:
    listed = {f"{package}/{name}" for package, entry in MANIFEST.items() for name in entry["files"]}
    named = {
        match
        for template in (ROOT / "egov").rglob("templates/**/*.html")
        for match in re.findall(r"vendor/([\w.@-]+/[\w./@-]+)", template.read_text())
    }
    assert named, "no template names a vendored file"
    assert named <= listed, named - listed
