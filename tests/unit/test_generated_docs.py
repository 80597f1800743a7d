"""Generated documents stay in sync with their source."""

from pathlib import Path

from egov.settings import configuration_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_configuration_reference_is_generated_from_the_settings() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == configuration_markdown(), (
        "run `make docs` to regenerate docs/configuration.md"
    )
