"""Generated documents stay in sync with their source."""

from pathlib import Path

from egov.cli.processes import configuration_markdown, error_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_configuration_reference_is_generated_from_the_settings() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == configuration_markdown(), (
        "run `make docs` to regenerate docs/configuration.md"
    )


def test_the_error_code_reference_is_generated_from_the_table_of_codes() -> None:
    assert (ROOT / "docs" / "errors.md").read_text() == error_markdown(), (
        "run `make docs` to regenerate docs/errors.md"
    )
