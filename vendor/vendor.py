"""The vendored browser assets (docs/supply-chain.md, "Vendored browser assets").

``make vendor`` runs ``npm ci --ignore-scripts`` in this folder, then ``vendor.py copy``: the
dist files listed in ``FILES`` and the licence files of each package (for bpmn-js also those of
the packages its bundle contains) are copied from ``node_modules`` into
``egov/ui/static/vendor/<package>/``, and ``MANIFEST.json`` records each package's locked
version and integrity and the SHA-256 of every copied file. The copies and the manifest are
checked in, so a clean clone serves them without npm.

``vendor.py check`` (``make vendor-check``, part of ``make lint``; also the unit test
tests/unit/test_vendor.py) needs no npm: the manifest names exactly the versions of
``package-lock.json``, ``package.json`` pins exactly those, and the files under
``egov/ui/static/vendor/`` are exactly the manifest's, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET = ROOT / "egov" / "ui" / "static" / "vendor"
MANIFEST = HERE / "MANIFEST.json"

LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)
# package -> the files the pages load, as (path in the package, path under vendor/<package>/)
FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "axe-core": (("axe.min.js", "axe.min.js"),),
    "bpmn-js": (
        ("dist/bpmn-navigated-viewer.production.min.js", "bpmn-navigated-viewer.production.min.js"),
        ("dist/assets/diagram-js.css", "diagram-js.css"),
        ("dist/assets/bpmn-js.css", "bpmn-js.css"),
    ),
    "htmx.org": (("dist/htmx.min.js", "htmx.min.js"),),
    "leaflet": (
        ("dist/leaflet.js", "leaflet.js"),
        ("dist/leaflet.css", "leaflet.css"),
        *((f"dist/images/{name}", f"images/{name}") for name in LEAFLET_IMAGES),
    ),
}
# licence files besides a package's own LICENSE: axe-core names the code it bundles
EXTRA_LICENCES = {"axe-core": ("LICENSE-3RD-PARTY.txt",)}
# bpmn-js's bundle contains its dependencies: their licences go to bpmn-js/licenses/
BUNDLES_DEPENDENCIES = "bpmn-js"
LICENCE_NAMES = ("LICENSE", "license", "LICENSE.md", "LICENSE.txt")


class VendorError(Exception):
    """The checked-in copies do not match the lock (or the lock the package.json)."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def locked(lock: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Every package of the lock by name (nested ones included): version and integrity."""
    packages: dict[str, dict[str, str]] = {}
    for key, entry in lock.get("packages", {}).items():
        if key:
            name = key.rsplit("node_modules/", 1)[-1]
            packages[name] = {"version": entry["version"], "integrity": entry["integrity"]}
    return packages


def licence_file(package_dir: Path) -> Path:
    for name in LICENCE_NAMES:
        if (package_dir / name).is_file():
            return package_dir / name
    raise VendorError(f"no licence file in {package_dir}")


def copy_plan(modules: Path, lock: Mapping[str, Any]) -> dict[str, dict[str, Path]]:
    """package -> {path under vendor/<package>/: source file in node_modules}."""
    plan: dict[str, dict[str, Path]] = {}
    for package, files in FILES.items():
        source = modules / package
        entries = {dest: source / src for src, dest in files}
        entries["LICENSE"] = licence_file(source)
        for name in EXTRA_LICENCES.get(package, ()):
            entries[name] = source / name
        plan[package] = entries
    for key in sorted(lock.get("packages", {})):
        name = key.rsplit("node_modules/", 1)[-1]
        if key and name not in FILES:
            dest = f"licenses/{key.removeprefix('node_modules/').replace('/', '__')}-LICENSE"
            plan[BUNDLES_DEPENDENCIES][dest] = licence_file(modules.parent / key)
    return plan


def copy(modules: Path = HERE / "node_modules", target: Path = TARGET) -> dict[str, Any]:
    """Replace ``target`` with the planned copies and write the manifest; returns it."""
    lock = read_json(HERE / "package-lock.json")
    packages = locked(lock)
    plan = copy_plan(modules, lock)
    if target.exists():
        shutil.rmtree(target)
    manifest: dict[str, Any] = {}
    for package, entries in sorted(plan.items()):
        files = {}
        for dest, source in sorted(entries.items()):
            path = target / package / dest
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            files[dest] = sha256(path)
        manifest[package] = {**packages[package], "files": files}
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def check(
    manifest: Mapping[str, Any], lock: Mapping[str, Any], pins: Mapping[str, str], target: Path
) -> list[str]:
    """What does not match, one line each (empty: the copies are exactly the lock's)."""
    problems: list[str] = []
    packages = locked(lock)
    for package in sorted(set(FILES) | set(pins) | set(manifest)):
        version = packages.get(package, {}).get("version")
        if pins.get(package) != version:
            problems.append(f"{package}: package.json pins {pins.get(package)}, lock has {version}")
        entry = manifest.get(package)
        if entry is None or entry.get("version") != version:
            recorded = entry and entry.get("version")
            problems.append(f"{package}: MANIFEST.json has {recorded}, lock has {version}")
    expected = {
        f"{package}/{name}": digest
        for package, entry in manifest.items()
        for name, digest in entry.get("files", {}).items()
    }
    present = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    for name in sorted(present - set(expected)):
        problems.append(f"{name}: not in MANIFEST.json")
    for name, digest in sorted(expected.items()):
        if name not in present:
            problems.append(f"{name}: missing")
        elif sha256(target / name) != digest:
            problems.append(f"{name}: differs from MANIFEST.json (sha256)")
    return problems


def check_checked_in() -> list[str]:
    pins = read_json(HERE / "package.json").get("dependencies", {})
    return check(read_json(MANIFEST), read_json(HERE / "package-lock.json"), pins, TARGET)


def main(argv: list[str]) -> int:
    if argv == ["copy"]:
        manifest = copy()
        count = sum(len(entry["files"]) for entry in manifest.values())
        print(f"vendor: {count} files of {len(manifest)} packages in {TARGET.relative_to(ROOT)}")
        return 0
    if argv == ["check"]:
        problems = check_checked_in()
        for problem in problems:
            print(f"vendor-check: {problem}", file=sys.stderr)
        if problems:
            print("vendor-check: run `make vendor` and commit the result", file=sys.stderr)
        return 1 if problems else 0
    print("usage: vendor.py copy|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
