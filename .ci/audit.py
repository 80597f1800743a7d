"""``make audit``: known vulnerabilities in the lock files fail the build (docs/supply-chain.md).

* Python: pip-audit over ``requirements.lock`` (every pin hashed) against PyPI's vulnerability
  data (``https://pypi.org/pypi/<name>/<version>/json``, pip-audit's ``pypi`` service).
* npm: ``npm audit --package-lock-only`` over each npm lock file (the test OpenID provider in
  ``tests/oidc``, the SBOM tool in ``.ci/sbom-npm``, the vendored browser assets in ``vendor``)
  against the npm registry's advisories.

A finding fails the audit when a fixed version exists, unless ``.ci/audit-allowlist.toml``
accepts it (advisory id, package, reason, review date). A finding without any fix is printed
as a warning: there is nothing to upgrade to, but it stays visible on every run.

The audit cannot pass by accident. An audit that gets no answer is a failure, not a pass:
pip-audit runs with ``--strict`` (a package it could not look up fails the run, where plain
pip-audit would skip it and report "No known vulnerabilities found"), and before an empty
answer is believed each service must flag a known-vulnerable canary (requests 2.31.0,
lodash 4.17.20). ``EGOV_AUDIT_OFFLINE=1`` skips the audit, loudly, for offline development;
under ``CI=true`` it is refused.

Exit status: 0 nothing to act on, 1 vulnerabilities to fix (or an expired acceptance),
2 the audit could not run (service unreachable, broken allow-list, npm missing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / ".ci" / "audit-allowlist.toml"
REQUIREMENTS = ROOT / "requirements.lock"
# Each npm project with the `npm audit` options that match how it is installed: the SBOM tool
# is installed with --omit=optional (libxmljs2, a native XML validator, is never installed).
NPM_PROJECTS: dict[Path, tuple[str, ...]] = {
    ROOT / "tests" / "oidc": (),
    ROOT / ".ci" / "sbom-npm": ("--omit=optional",),
    ROOT / "vendor": (),  # the browser assets copied into egov/ui/static/vendor/
}
OFFLINE_VARIABLE = "EGOV_AUDIT_OFFLINE"
ECOSYSTEMS = ("pypi", "npm")
# An acceptance is reviewed at least once a year: a review date further out is refused.
MAX_REVIEW_DAYS = 366
TIMEOUT_SECONDS = 300

# Known-vulnerable canaries: each service must report them, or its empty answers mean nothing.
# requests 2.31.0: CVE-2024-35195 (fixed in 2.32.0) and CVE-2024-47081 (fixed in 2.32.4).
PYTHON_CANARY = ("requests", "2.31.0")
# lodash 4.17.20: CVE-2021-23337, command injection via template (fixed in 4.17.21).
NPM_CANARY = ("lodash", "4.17.20")


class AuditError(Exception):
    """The audit could not run, so it has no verdict (exit 2)."""


class ServiceUnavailable(AuditError):
    """A vulnerability service gave no answer at all (unreachable, or an endpoint the
    registry in between does not offer): nothing could be checked."""


class NpmMissing(AuditError):
    """No npm on PATH: the npm part is skipped with a warning, except under CI=true."""


@dataclass(frozen=True)
class Finding:
    """One advisory against one locked package version."""

    ecosystem: str
    lock: str
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()  # empty: no fixed version known
    summary: str = ""

    @property
    def fixable(self) -> bool:
        return bool(self.fixed_in)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(i.upper() for i in (self.advisory, *self.aliases))

    def describe(self) -> str:
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        fix = f"fixed in {', '.join(self.fixed_in)}" if self.fixed_in else "no fix known"
        summary = f": {self.summary}" if self.summary else ""
        return (
            f"{self.ecosystem} {self.package} {self.version} [{self.lock}] "
            f"{self.advisory}{aliases}, {fix}{summary}"
        )


@dataclass(frozen=True)
class Acceptance:
    """One entry of the allow-list: a maintainer accepts this advisory for this package."""

    advisory: str
    ecosystem: str
    package: str
    reason: str
    review_by: date

    def covers(self, finding: Finding) -> bool:
        return (
            self.ecosystem == finding.ecosystem
            and package_key(self.ecosystem, self.package)
            == package_key(finding.ecosystem, finding.package)
            and self.advisory.upper() in finding.ids
        )

    def describe(self) -> str:
        return f"{self.advisory} ({self.ecosystem} {self.package}, review by {self.review_by})"


@dataclass
class Verdict:
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)


def package_key(ecosystem: str, name: str) -> str:
    if ecosystem == "pypi":  # PEP 503 normalisation: Flask, flask and FLASK are one package
        return re.sub(r"[-_.]+", "-", name).lower()
    return name.lower()


# -- the allow-list ---------------------------------------------------------------------------


def load_allowlist(path: Path, today: date) -> list[Acceptance]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AuditError(f"cannot read the allow-list {rel(path)}: {error}") from None
    return parse_allowlist(data, rel(path), today)


def parse_allowlist(data: Mapping[str, Any], where: str, today: date) -> list[Acceptance]:
    unknown = set(data) - {"allow"}
    if unknown:
        raise AuditError(f"{where}: unknown top-level keys {sorted(unknown)}")
    entries = data.get("allow", [])
    if not isinstance(entries, list):
        raise AuditError(f"{where}: `allow` must be an array of tables ([[allow]])")
    acceptances = []
    for number, entry in enumerate(entries, start=1):
        label = f"{where}, entry {number}"
        if not isinstance(entry, dict):
            raise AuditError(f"{label}: not a table")
        keys = {"id", "ecosystem", "package", "reason", "review_by"}
        if set(entry) != keys:
            raise AuditError(f"{label}: needs exactly the keys {sorted(keys)}, has {sorted(entry)}")
        for key in ("id", "ecosystem", "package", "reason"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise AuditError(f"{label}: `{key}` must be a non-empty string")
        if entry["ecosystem"] not in ECOSYSTEMS:
            raise AuditError(f"{label}: `ecosystem` must be one of {list(ECOSYSTEMS)}")
        review_by = entry["review_by"]
        if not isinstance(review_by, date) or isinstance(review_by, datetime):
            raise AuditError(f"{label}: `review_by` must be a TOML date (review_by = 2027-01-31)")
        if review_by > today + timedelta(days=MAX_REVIEW_DAYS):
            raise AuditError(
                f"{label}: review_by {review_by} is more than {MAX_REVIEW_DAYS} days away; "
                "an acceptance is reviewed at least once a year"
            )
        acceptances.append(
            Acceptance(
                advisory=entry["id"].strip(),
                ecosystem=entry["ecosystem"],
                package=entry["package"].strip(),
                reason=entry["reason"].strip(),
                review_by=review_by,
            )
        )
    return acceptances


# -- the verdict ------------------------------------------------------------------------------


def judge(findings: Iterable[Finding], allowlist: Sequence[Acceptance], today: date) -> Verdict:
    """Fixable and not accepted: failure. No fix: warning. Expired acceptance: failure."""
    verdict = Verdict()
    used: set[Acceptance] = set()
    for finding in findings:
        acceptance = next((a for a in allowlist if a.covers(finding)), None)
        if acceptance is not None:
            used.add(acceptance)
            if acceptance.review_by < today:
                verdict.failures.append(
                    f"{finding.describe()}\n    accepted until {acceptance.review_by} only: "
                    f"review the allow-list entry (reason given: {acceptance.reason})"
                )
            else:
                verdict.accepted.append(f"{finding.describe()}\n    accepted: {acceptance.reason}")
        elif finding.fixable:
            verdict.failures.append(finding.describe())
        else:
            verdict.warnings.append(f"{finding.describe()}\n    (no fixed version to upgrade to)")
    for acceptance in allowlist:
        if acceptance in used:
            continue
        if acceptance.review_by < today:
            verdict.failures.append(
                f"allow-list entry {acceptance.describe()} is past its review date "
                "and matches nothing any more: remove it"
            )
        else:
            verdict.warnings.append(
                f"allow-list entry {acceptance.describe()} matches no finding: remove it"
            )
    return verdict


# -- pip-audit --------------------------------------------------------------------------------


def parse_pip_audit(report: Mapping[str, Any], lock: str) -> list[Finding]:
    dependencies = report.get("dependencies")
    if not isinstance(dependencies, list):
        raise AuditError(f"pip-audit gave no dependency list for {lock}")
    findings = []
    for dependency in dependencies:
        if "skip_reason" in dependency:
            raise AuditError(
                f"pip-audit could not audit {dependency.get('name')} in {lock}: "
                f"{dependency['skip_reason']}"
            )
        for vuln in dependency.get("vulns", []):
            findings.append(
                Finding(
                    ecosystem="pypi",
                    lock=lock,
                    package=str(dependency["name"]),
                    version=str(dependency["version"]),
                    advisory=str(vuln["id"]),
                    aliases=tuple(str(a) for a in vuln.get("aliases", [])),
                    fixed_in=tuple(str(v) for v in vuln.get("fix_versions", [])),
                    summary=first_line(str(vuln.get("description") or "")),
                )
            )
    return findings


def run_pip_audit(requirements: Path, *, hashed: bool) -> dict[str, Any]:
    """pip-audit's JSON report for a requirements file; AuditError when it gave none."""
    with tempfile.TemporaryDirectory(prefix="egov-audit-") as tmp:
        output = Path(tmp) / "pip-audit.json"
        command = [
            sys.executable, "-m", "pip_audit",
            "--requirement", str(requirements),
            "--disable-pip", "--require-hashes" if hashed else "--no-deps",
            "--strict",
            "--vulnerability-service", "pypi",
            "--format", "json", "--aliases", "on", "--desc", "on",
            "--output", str(output),
            "--progress-spinner", "off",
            "--timeout", "30",
        ]  # fmt: skip
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise AuditError(f"pip-audit did not run: {error}") from None
        try:
            report: dict[str, Any] = json.loads(output.read_text())
        except (OSError, ValueError):
            raise AuditError(
                f"pip-audit gave no report for {rel(requirements)} (exit {result.returncode}): "
                f"{tail(result.stderr)}"
            ) from None
    return report


def audit_python(requirements: Path, canary_dir: Path) -> list[Finding]:
    name, version = PYTHON_CANARY
    canary = canary_dir / "canary-requirements.txt"
    canary.write_text(f"{name}=={version}\n")
    try:
        canary_findings = parse_pip_audit(run_pip_audit(canary, hashed=False), "canary")
    except AuditError as error:
        raise ServiceUnavailable(
            f"PyPI's vulnerability service did not answer for the canary {name} {version}: "
            f"{error}\n  pip-audit reads https://pypi.org/pypi/<name>/<version>/json, which must "
            f"be reachable from this machine: {probe(f'https://pypi.org/pypi/{name}/{version}/json')}"
        ) from None
    if not any(f.fixable for f in canary_findings):
        raise AuditError(
            f"PyPI's vulnerability service reported nothing fixable for {name} {version}, "
            "which has known, fixed vulnerabilities: its answers cannot be trusted"
        )
    return parse_pip_audit(run_pip_audit(requirements, hashed=True), rel(requirements))


# -- npm audit --------------------------------------------------------------------------------


def parse_npm_audit(
    report: Mapping[str, Any], lock: str, locked: Mapping[str, Any]
) -> list[Finding]:
    """Findings of an ``npm audit --json`` report (auditReportVersion 2); ``locked`` is the
    ``packages`` table of the audited package-lock.json (for the installed versions)."""
    if report.get("auditReportVersion") != 2 or not isinstance(report.get("vulnerabilities"), dict):
        error = report.get("error")
        message = report.get("message") or (
            error.get("summary") if isinstance(error, dict) else None
        )
        raise AuditError(f"npm audit gave no report for {lock}: {message or tail(str(report))}")
    findings = []
    for package, entry in report["vulnerabilities"].items():
        fix = entry.get("fixAvailable")
        if isinstance(fix, dict):
            major = " (semver-major)" if fix.get("isSemVerMajor") else ""
            fixed_in: tuple[str, ...] = (f"{fix.get('name')}@{fix.get('version')}{major}",)
        elif fix is True:
            fixed_in = ("`npm audit fix`",)
        else:
            fixed_in = ()
        versions = sorted(
            {str(locked.get(node, {}).get("version", "?")) for node in entry.get("nodes", [])}
        ) or ["?"]
        for via in entry.get("via", []):
            if not isinstance(via, dict):  # vulnerable only through another package
                continue
            url = str(via.get("url", ""))
            ghsa = re.search(r"GHSA(-[0-9a-z]{4}){3}", url, re.IGNORECASE)
            findings.append(
                Finding(
                    ecosystem="npm",
                    lock=lock,
                    package=str(via.get("name", package)),
                    version=", ".join(versions),
                    advisory=ghsa.group(0) if ghsa else f"npm-{via.get('source')}",
                    fixed_in=fixed_in,
                    summary=f"{via.get('severity', '?')}: {via.get('title', '')} {url}".strip(),
                )
            )
    return findings


def run_npm_audit(project: Path, options: Sequence[str] = ()) -> dict[str, Any]:
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing("npm not found on PATH (Node.js/npm is needed for `npm audit`)")
    try:
        result = subprocess.run(
            [npm, "audit", "--package-lock-only", "--json", "--audit-level=none", *options],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AuditError(f"npm audit did not run in {rel(project)}: {error}") from None
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        raise AuditError(
            f"npm audit gave no JSON in {rel(project)} (exit {result.returncode}): "
            f"{tail(result.stderr)}"
        ) from None
    return report


def locked_packages(project: Path) -> dict[str, Any]:
    lock = json.loads((project / "package-lock.json").read_text())
    packages: dict[str, Any] = lock.get("packages", {})
    return packages


def write_npm_canary(directory: Path) -> None:
    name, version = NPM_CANARY
    manifest = {"name": "egov-audit-canary", "version": "0.0.0", "private": True}
    (directory / "package.json").write_text(
        json.dumps({**manifest, "dependencies": {name: version}})
    )
    lock = {
        **{k: v for k, v in manifest.items() if k != "private"},
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": manifest["name"], "version": "0.0.0", "dependencies": {name: version}},
            f"node_modules/{name}": {"version": version},
        },
    }
    (directory / "package-lock.json").write_text(json.dumps(lock))


def audit_npm(projects: Mapping[Path, Sequence[str]], canary_dir: Path) -> list[Finding]:
    name, version = NPM_CANARY
    write_npm_canary(canary_dir)
    try:
        canary = parse_npm_audit(run_npm_audit(canary_dir), "canary", {})
    except NpmMissing:
        raise
    except AuditError as error:
        raise ServiceUnavailable(
            f"the npm registry's advisory service did not answer for the canary {name} "
            f"{version}: {error}\n  npm audit POSTs to <registry>/-/npm/v1/security/advisories/"
            "bulk; that endpoint must be reachable from this machine"
        ) from None
    if not any(f.fixable and f.package == name for f in canary):
        raise AuditError(
            f"npm audit reported nothing fixable for {name} {version}, which has known, "
            "fixed vulnerabilities: its answers cannot be trusted"
        )
    findings = []
    for project, options in projects.items():
        lock = rel(project / "package-lock.json")
        report = run_npm_audit(project, options)
        findings += parse_npm_audit(report, lock, locked_packages(project))
    return findings


# -- the command ------------------------------------------------------------------------------


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 160 else line[:157] + "..."


def tail(text: str, lines: int = 6) -> str:
    """The last lines of a tool's stderr, only its ERROR lines if it has any."""
    all_lines = text.strip().splitlines()
    errors = [line for line in all_lines if line.startswith("ERROR")]
    return " | ".join((errors or all_lines)[-lines:]) or "(no output)"


def probe(url: str) -> str:
    """What a GET of ``url`` answers here, for an error message."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return f"GET {url} answers HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"GET {url} answers HTTP {error.code}"
    except (OSError, ValueError) as error:
        return f"GET {url} fails: {error}"


def offline(environ: Mapping[str, str]) -> bool:
    """EGOV_AUDIT_OFFLINE set to anything but empty or 0."""
    return environ.get(OFFLINE_VARIABLE, "") not in ("", "0")


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requirements", type=Path, default=REQUIREMENTS, help="hashed lock (requirements.lock)"
    )
    parser.add_argument(
        "--npm-project",
        type=Path,
        action="append",
        help="folder with a package-lock.json (repeatable; default: tests/oidc, .ci/sbom-npm)",
    )
    parser.add_argument("--allowlist", type=Path, default=ALLOWLIST)
    parser.add_argument("--skip-npm", action="store_true", help="audit requirements.lock only")
    parser.add_argument(
        "--if-unreachable",
        choices=("fail", "warn"),
        default="fail",
        help="when a vulnerability service gives no answer at all: fail (exit 2, the default "
        "of `make audit`) or warn loudly and go on (`make test`, for networks that reach the "
        "package registries but not their advisory services)",
    )
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    today = date.today()

    if offline(environ):
        if environ.get("CI") == "true":
            print(
                f"make audit: {OFFLINE_VARIABLE} is set, but CI=true: CI never skips the "
                "vulnerability audit. Unset it.",
                file=sys.stderr,
            )
            return 2
        print(
            f"make audit: SKIPPED ({OFFLINE_VARIABLE}={environ[OFFLINE_VARIABLE]}). No lock "
            "file was checked for known vulnerabilities. Offline development only; CI refuses "
            "this variable.",
            file=sys.stderr,
        )
        return 0

    errors: list[str] = []
    unreachable: list[str] = []
    not_audited: list[str] = []
    findings: list[Finding] = []
    try:
        allowlist = load_allowlist(args.allowlist, today)
    except AuditError as error:
        errors.append(str(error))
        allowlist = []
    with tempfile.TemporaryDirectory(prefix="egov-audit-canary-") as tmp:
        try:
            findings += audit_python(args.requirements, Path(tmp))
        except ServiceUnavailable as error:
            unreachable.append(f"pypi: {error}")
        except AuditError as error:
            errors.append(f"pypi: {error}")
        if not args.skip_npm:
            try:
                projects = {p: () for p in args.npm_project} if args.npm_project else NPM_PROJECTS
                findings += audit_npm(projects, Path(tmp))
            except NpmMissing as error:  # like the tests that need node: fail only under CI
                if environ.get("CI") == "true":
                    errors.append(f"npm: {error} (CI=true, so this fails)")
                else:
                    not_audited.append(f"the npm lock files were NOT audited: {error}")
            except ServiceUnavailable as error:
                unreachable.append(f"npm: {error}")
            except AuditError as error:
                errors.append(f"npm: {error}")
    if args.if_unreachable == "fail":
        errors += unreachable
    else:
        not_audited += [f"NOT CHECKED, the service gave no answer: {u}" for u in unreachable]

    verdict = judge(findings, allowlist, today)
    for title, lines in (
        ("accepted by the allow-list", verdict.accepted),
        ("WARNING (no fix available, or an allow-list entry to delete)", verdict.warnings),
        ("WARNING, not audited", not_audited),
        ("FAIL, fix available", verdict.failures),
    ):
        if lines:
            print(f"\n{title}:")
            for line in lines:
                print(f"  - {line}")
    if errors:
        print("\nmake audit FAILED: it could not get an answer it can trust.", file=sys.stderr)
        for message in errors:
            print(f"  - {message}", file=sys.stderr)
        print(
            "Known vulnerabilities were NOT checked: that is a failure, never a pass.\n"
            f"Offline development only: {OFFLINE_VARIABLE}=1 make test (refused under CI=true).",
            file=sys.stderr,
        )
        return 2
    if verdict.failures:
        print(
            f"\nmake audit FAILED: {len(verdict.failures)} known vulnerabilities with a fix. "
            "Upgrade (docs/supply-chain.md) or accept one in .ci/audit-allowlist.toml.",
            file=sys.stderr,
        )
        return 1
    if unreachable:  # --if-unreachable warn: say loudly that nothing was checked
        print(
            "\nmake audit: known vulnerabilities were NOT CHECKED, the advisory services gave "
            "no answer from this network (see above). Run `make audit` where they answer.",
            file=sys.stderr,
        )
        return 0
    npm_part = "" if args.skip_npm or not_audited else " and the npm lock files"
    print(f"make audit: no known vulnerability to fix in {rel(args.requirements)}{npm_part}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
