"""The supply chain (docs/supply-chain.md): every locked package is hashed and installed with
--require-hashes, and `make audit` (.ci/audit.py) fails on what it must fail on -- including
a vulnerability service that answers nothing, which plain pip-audit would take for a pass.

No network here: the services' answers are canned; `make audit` itself asks the real ones and
checks them against known-vulnerable canaries on every run."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("egov_ci_audit", ROOT / ".ci" / "audit.py")
assert _spec is not None and _spec.loader is not None
audit = importlib.util.module_from_spec(_spec)
sys.modules["egov_ci_audit"] = audit  # dataclasses look their module up while defining
_spec.loader.exec_module(audit)

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 3)


def finding(**overrides: Any) -> audit.Finding:
    values: dict[str, Any] = {
        "ecosystem": "pypi",
        "lock": "requirements.lock",
        "package": "requests",
        "version": "2.31.0",
        "advisory": "GHSA-9wx4-h78v-vm56",
        "aliases": ("CVE-2024-35195",),
        "fixed_in": ("2.32.0",),
    }
    return audit.Finding(**{**values, **overrides})


def acceptance(**overrides: Any) -> audit.Acceptance:
    values: dict[str, Any] = {
        "advisory": "GHSA-9wx4-h78v-vm56",
        "ecosystem": "pypi",
        "package": "Requests",
        "reason": "egov never sends requests with verify=False",
        "review_by": TODAY + timedelta(days=30),
    }
    return audit.Acceptance(**{**values, **overrides})


# -- the lock file and how it is installed ----------------------------------------------------


def lock_entries() -> dict[str, str]:
    """{name==version: the entry's text} of requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[a-z0-9])", text, flags=re.IGNORECASE)
    return {e.split()[0]: e for e in entries if re.match(r"[a-z0-9][^=\s]*==", e, re.I)}


def test_every_locked_package_is_pinned_and_hashed() -> None:
    entries = lock_entries()
    assert len(entries) > 50
    unhashed = [pin for pin, entry in entries.items() if "--hash=sha256:" not in entry]
    assert unhashed == [], "run `make lock` (pip-compile --generate-hashes)"


def test_pip_setuptools_and_the_audit_tools_are_in_the_hashed_set() -> None:
    names = {pin.split("==")[0] for pin in lock_entries()}
    assert {"pip", "setuptools", "wheel", "pip-audit", "cyclonedx-bom"} <= names


def test_the_lock_names_no_extra_index() -> None:
    text = (ROOT / "requirements.lock").read_text()
    assert not re.search(r"^\s*--(extra-)?index-url|^\s*--find-links", text, re.M)


def test_make_installs_the_lock_with_require_hashes_and_no_build_isolation() -> None:
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")  # join continued lines
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    lock_installs = [line for line in installs if " -r " in line]
    assert len(lock_installs) == 2, installs  # the bootstrap set (pip, setuptools), the lock
    assert all("--require-hashes" in line for line in lock_installs)
    assert not any("--upgrade" in line for line in installs), "pip comes from the hashed lock"
    assert all("--no-build-isolation" in line for line in installs if "-e ." in line)
    assert "--generate-hashes" in makefile


def test_the_npm_lock_files_carry_an_integrity_hash_for_every_package() -> None:
    for project in audit.NPM_PROJECTS:
        packages = json.loads((project / "package-lock.json").read_text())["packages"]
        missing = [p for p, meta in packages.items() if p and "integrity" not in meta]
        assert missing == [], project


# -- the allow-list ---------------------------------------------------------------------------


def test_the_allow_list_in_the_repository_is_valid() -> None:
    audit.load_allowlist(audit.ALLOWLIST, date.today())


def test_an_entry_without_a_reason_is_refused() -> None:
    entry = {"id": "GHSA-x", "ecosystem": "npm", "package": "p", "reason": " ", "review_by": TODAY}
    with pytest.raises(audit.AuditError, match="reason"):
        audit.parse_allowlist({"allow": [entry]}, "list", TODAY)


def test_an_entry_needs_a_real_date_at_most_a_year_ahead() -> None:
    base = {"id": "GHSA-x", "ecosystem": "pypi", "package": "p", "reason": "r"}
    for bad in ("2027-01-01", TODAY + timedelta(days=400)):
        with pytest.raises(audit.AuditError, match="review_by"):
            audit.parse_allowlist({"allow": [{**base, "review_by": bad}]}, "list", TODAY)
    text = 'id = "GHSA-x"\necosystem = "pypi"\npackage = "p"\nreason = "r"\nreview_by = 2027-01-31'
    parsed = audit.parse_allowlist({"allow": [tomllib.loads(text)]}, "list", TODAY)
    assert parsed[0].review_by == date(2027, 1, 31)


def test_an_entry_with_an_unknown_key_or_ecosystem_is_refused() -> None:
    base = {"id": "G", "ecosystem": "pypi", "package": "p", "reason": "r", "review_by": TODAY}
    with pytest.raises(audit.AuditError, match="keys"):
        audit.parse_allowlist({"allow": [{**base, "until": TODAY}]}, "list", TODAY)
    with pytest.raises(audit.AuditError, match="ecosystem"):
        audit.parse_allowlist({"allow": [{**base, "ecosystem": "cargo"}]}, "list", TODAY)


# -- the verdict ------------------------------------------------------------------------------


def test_a_vulnerability_with_a_fix_fails() -> None:
    verdict = audit.judge([finding()], [], TODAY)
    assert len(verdict.failures) == 1 and "GHSA-9wx4-h78v-vm56" in verdict.failures[0]


def test_a_vulnerability_without_a_fix_warns() -> None:
    verdict = audit.judge([finding(fixed_in=())], [], TODAY)
    assert verdict.failures == [] and len(verdict.warnings) == 1


def test_an_accepted_vulnerability_passes_by_id_or_alias_and_normalised_name() -> None:
    for entry in (acceptance(), acceptance(advisory="cve-2024-35195")):
        verdict = audit.judge([finding()], [entry], TODAY)
        assert verdict.failures == [] and len(verdict.accepted) == 1


def test_an_acceptance_covers_only_its_package_and_ecosystem() -> None:
    for entry in (acceptance(package="urllib3"), acceptance(ecosystem="npm")):
        verdict = audit.judge([finding()], [entry], TODAY)
        assert len(verdict.failures) == 1


def test_an_acceptance_past_its_review_date_fails() -> None:
    expired = acceptance(review_by=TODAY - timedelta(days=1))
    verdict = audit.judge([finding()], [expired], TODAY)
    assert len(verdict.failures) == 1 and "review" in verdict.failures[0]
    unused = audit.judge([], [expired], TODAY)
    assert len(unused.failures) == 1


def test_an_unused_acceptance_is_reported() -> None:
    verdict = audit.judge([], [acceptance()], TODAY)
    assert verdict.failures == [] and "matches no finding" in verdict.warnings[0]


# -- reading the tools' reports ---------------------------------------------------------------

PIP_AUDIT_REPORT = {
    "dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {
            "name": "requests",
            "version": "2.31.0",
            "vulns": [
                {
                    "id": "GHSA-9wx4-h78v-vm56",
                    "fix_versions": ["2.32.0"],
                    "aliases": ["CVE-2024-35195"],
                    "description": "Requests `Session` object does not verify requests after "
                    "making first request with verify=False\nmore text",
                }
            ],
        },
    ],
    "fixes": [],
}


def test_a_pip_audit_report_becomes_findings() -> None:
    (only,) = audit.parse_pip_audit(PIP_AUDIT_REPORT, "requirements.lock")
    assert only == finding(summary=only.summary)
    assert only.summary.startswith("Requests `Session`") and "\n" not in only.summary


def test_a_package_pip_audit_could_not_look_up_is_an_error_not_a_pass() -> None:
    # what plain pip-audit prints as "No known vulnerabilities found" when PyPI's JSON API 404s
    report = {
        "dependencies": [
            {
                "name": "requests",
                "skip_reason": "Dependency not found on PyPI and could not be audited: "
                "requests (2.31.0)",
            }
        ],
        "fixes": [],
    }
    with pytest.raises(audit.AuditError, match="could not audit requests"):
        audit.parse_pip_audit(report, "requirements.lock")


NPM_AUDIT_REPORT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "lodash": {
            "name": "lodash",
            "severity": "high",
            "isDirect": False,
            "via": [
                {
                    "source": 1096305,
                    "name": "lodash",
                    "dependency": "lodash",
                    "title": "Command Injection in lodash",
                    "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
                    "severity": "high",
                    "range": "<4.17.21",
                }
            ],
            "effects": ["some-parent"],
            "range": "<=4.17.20",
            "nodes": ["node_modules/lodash"],
            "fixAvailable": True,
        },
        "some-parent": {
            "name": "some-parent",
            "severity": "high",
            "via": ["lodash"],
            "effects": [],
            "range": "1.0.0",
            "nodes": ["node_modules/some-parent"],
            "fixAvailable": False,
        },
    },
    "metadata": {"vulnerabilities": {"high": 2, "total": 2}},
}


def test_an_npm_audit_report_becomes_findings_with_the_locked_version() -> None:
    locked = {"node_modules/lodash": {"version": "4.17.20"}}
    (only,) = audit.parse_npm_audit(NPM_AUDIT_REPORT, "tests/oidc/package-lock.json", locked)
    assert (only.package, only.version, only.advisory) == (
        "lodash",
        "4.17.20",
        "GHSA-35jh-r3h4-6jhm",
    )
    assert only.fixable


def test_an_npm_audit_without_a_fix_or_with_a_major_one() -> None:
    entry = NPM_AUDIT_REPORT["vulnerabilities"]["lodash"]  # type: ignore[index]
    report = {**NPM_AUDIT_REPORT, "vulnerabilities": {"lodash": {**entry, "fixAvailable": False}}}
    assert not audit.parse_npm_audit(report, "lock", {})[0].fixable
    major = {"name": "oidc-provider", "version": "10.0.0", "isSemVerMajor": True}
    report = {**NPM_AUDIT_REPORT, "vulnerabilities": {"lodash": {**entry, "fixAvailable": major}}}
    assert audit.parse_npm_audit(report, "lock", {})[0].fixed_in == (
        "oidc-provider@10.0.0 (semver-major)",
    )


def test_an_npm_registry_error_is_an_error_not_a_pass() -> None:
    # what `npm audit --json` prints when the registry refuses the bulk advisory request
    report = {
        "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/"
        "advisories/bulk",
        "statusCode": 405,
        "error": {"summary": "", "detail": ""},
    }
    with pytest.raises(audit.AuditError, match="405 Method Not Allowed"):
        audit.parse_npm_audit(report, "tests/oidc/package-lock.json", {})


# -- the canaries and the offline switch ------------------------------------------------------


def test_a_service_that_reports_nothing_for_the_canary_fails_the_audit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean = {"dependencies": [{"name": "requests", "version": "2.31.0", "vulns": []}]}
    monkeypatch.setattr(audit, "run_pip_audit", lambda requirements, hashed: clean)
    with pytest.raises(audit.AuditError, match="cannot be trusted"):
        audit.audit_python(ROOT / "requirements.lock", tmp_path)


def test_the_lock_is_audited_only_after_the_canary_was_flagged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[tuple[str, bool]] = []

    def fake(requirements: Path, hashed: bool) -> dict[str, Any]:
        asked.append((requirements.name, hashed))
        return PIP_AUDIT_REPORT if not hashed else {"dependencies": []}

    monkeypatch.setattr(audit, "run_pip_audit", fake)
    assert audit.audit_python(ROOT / "requirements.lock", tmp_path) == []
    assert asked == [("canary-requirements.txt", False), ("requirements.lock", True)]
    assert (tmp_path / "canary-requirements.txt").read_text() == "requests==2.31.0\n"


def test_the_npm_canary_is_a_lock_file_npm_audit_can_read(tmp_path: Path) -> None:
    audit.write_npm_canary(tmp_path)
    lock = json.loads((tmp_path / "package-lock.json").read_text())
    manifest = json.loads((tmp_path / "package.json").read_text())
    assert lock["packages"]["node_modules/lodash"] == {"version": "4.17.20"}
    assert manifest["dependencies"] == lock["packages"][""]["dependencies"] == {"lodash": "4.17.20"}


def test_offline_skips_loudly_outside_ci_and_is_refused_under_ci(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert audit.main([], {"EGOV_AUDIT_OFFLINE": "1"}) == 0
    assert "SKIPPED" in capsys.readouterr().err
    assert audit.main([], {"EGOV_AUDIT_OFFLINE": "1", "CI": "true"}) == 2
    assert "CI never skips" in capsys.readouterr().err


def test_an_unreachable_service_fails_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unreachable(*args: object, **kwargs: object) -> dict[str, Any]:
        raise audit.AuditError("connection refused")

    monkeypatch.setattr(audit, "run_pip_audit", unreachable)
    monkeypatch.setattr(audit, "run_npm_audit", unreachable)
    monkeypatch.setattr(audit, "probe", lambda url: f"GET {url} answers HTTP 404")
    assert audit.main([], {}) == 2
    err = capsys.readouterr().err
    assert "NOT checked" in err and "EGOV_AUDIT_OFFLINE=1" in err
    assert "pypi: " in err and "npm: " in err


def test_make_test_warns_loudly_when_no_service_answers_but_findings_still_fail(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unreachable(*args: object, **kwargs: object) -> dict[str, Any]:
        raise audit.AuditError("405 Method Not Allowed")

    monkeypatch.setattr(audit, "run_pip_audit", unreachable)
    monkeypatch.setattr(audit, "run_npm_audit", unreachable)
    monkeypatch.setattr(audit, "probe", lambda url: f"GET {url} answers HTTP 404")
    assert audit.main(["--if-unreachable", "warn"], {"CI": "true"}) == 0
    captured = capsys.readouterr()
    assert "NOT CHECKED" in captured.out and "NOT CHECKED" in captured.err
    assert "no known vulnerability" not in captured.out  # never claims a clean audit

    canary_then_lock = iter([PIP_AUDIT_REPORT, PIP_AUDIT_REPORT])  # the lock has findings
    monkeypatch.setattr(audit, "run_pip_audit", lambda *a, **k: next(canary_then_lock))
    assert audit.main(["--if-unreachable", "warn", "--skip-npm"], {}) == 1


def test_without_npm_the_npm_part_is_skipped_with_a_warning_except_under_ci(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    canary_then_lock = iter([PIP_AUDIT_REPORT, {"dependencies": []}] * 2)
    monkeypatch.setattr(audit, "run_pip_audit", lambda *a, **k: next(canary_then_lock))
    monkeypatch.setattr(audit.shutil, "which", lambda name: None)
    assert audit.main([], {}) == 0
    assert "npm lock files were NOT audited" in capsys.readouterr().out
    assert audit.main([], {"CI": "true"}) == 2
    assert "npm not found" in capsys.readouterr().err
