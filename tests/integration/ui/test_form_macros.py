"""The form macros of `ui/macros.html`: label, hint and error tied to their field, the error
summary with links to the fields, announced and focused (egov.js)."""

from __future__ import annotations

from flask import Flask, render_template_string

FORM = """{% import "ui/macros.html" as m %}
{{ m.error_summary(errors) }}
{{ m.field("email", "E-Mail-Adresse", value=value, hint="Für die Eingangsbestätigung",
           error=errors.get("email"), type="email") }}
{{ m.textarea("text", "Ihr Anliegen", error=errors.get("text")) }}
{{ m.field("name", "Name") }}"""


def rendered(app: Flask, errors: dict[str, str], value: str = "") -> str:
    with app.test_request_context("/"):
        return render_template_string(FORM, errors=errors, value=value)


def test_a_field_with_an_error_is_described_by_its_hint_and_its_error(app: Flask) -> None:
    html = rendered(app, {"email": "Bitte geben Sie eine E-Mail-Adresse an."})

    assert '<label class="field__label" for="feld-email">E-Mail-Adresse</label>' in html
    assert 'id="feld-email-hinweis">Für die Eingangsbestätigung</p>' in html
    assert 'id="feld-email-fehler"' in html and "Bitte geben Sie eine E-Mail" in html
    assert 'aria-describedby="feld-email-hinweis feld-email-fehler" aria-invalid="true"' in html


def test_a_field_without_hint_or_error_has_no_description(app: Flask) -> None:
    html = rendered(app, {})
    name = html[html.index('id="feld-name"') :].split(">")[0]

    assert "aria-describedby" not in name and "aria-invalid" not in name
    assert "error-summary" not in html


def test_the_error_summary_is_an_alert_that_links_every_field_in_order(app: Flask) -> None:
    html = rendered(app, {"email": "E-Mail fehlt.", "text": "Anliegen fehlt."})

    summary = html[html.index('<div class="error-summary"') : html.index("</div>")]
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert "data-error-summary" in summary  # egov.js focuses it
    assert summary.index('href="#feld-email"') < summary.index('href="#feld-text"')
    assert '<textarea class="field__input" id="feld-text" name="text" rows="5" ' in html
    assert 'aria-describedby="feld-text-fehler" aria-invalid="true"' in html


def test_a_typed_value_is_filled_in_again_escaped(app: Flask) -> None:
    html = rendered(app, {}, value='"><script>alert(1)</script>')

    assert "<script>" not in html and 'value="&#34;&gt;&lt;script&gt;' in html
