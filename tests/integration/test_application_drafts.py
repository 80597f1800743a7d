"""Drafts of web-form applications (egov/intake/drafts.py): kept per person and procedure,
files within the API's limits, a stash claimed once after a login, cleared after submit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from egov.container import Container
from egov.errors import Invalid, NotFound
from egov.intake.drafts import KEEP_DAYS, STASH_DAYS, ApplicationDrafts, AttachmentLimits

ERIKA, MAX = "dev:erika", "dev:max"


def test_a_draft_is_kept_per_person_and_procedure(container: Container) -> None:
    drafts = container.drafts
    drafts.save(ERIKA, "buergerbudget", {"title": "Bank am Teich"})
    drafts.save(ERIKA, "buergerbudget", {"title": "Zwei Bänke"})

    assert drafts.get(ERIKA, "buergerbudget").values == {"title": "Zwei Bänke"}
    assert drafts.get(MAX, "buergerbudget").values == {}
    assert drafts.get(ERIKA, "anliegen").values == {}


def test_files_are_kept_in_order_and_only_their_owner_removes_them(container: Container) -> None:
    drafts = container.drafts
    drafts.attach(ERIKA, "buergerbudget", "skizze.pdf", "application/pdf", b"%PDF-1.4 a")
    drafts.attach(ERIKA, "buergerbudget", "foto.png", "image/png", b"png")
    first, second = drafts.get(ERIKA, "buergerbudget").files

    with pytest.raises(NotFound):
        drafts.detach(MAX, "buergerbudget", first.id)
    drafts.detach(ERIKA, "buergerbudget", first.id)

    assert (second.filename, second.size) == ("foto.png", 3)
    assert drafts.contents(ERIKA, "buergerbudget") == [("foto.png", "image/png", b"png")]


def test_files_over_the_limits_or_with_a_bad_name_are_refused(container: Container) -> None:
    drafts = ApplicationDrafts(container.db, container.clock, AttachmentLimits(2, 10))
    drafts.attach(ERIKA, "buergerbudget", "a.txt", "text/plain", b"12345")

    with pytest.raises(Invalid) as too_big:
        drafts.attach(ERIKA, "buergerbudget", "b.txt", "text/plain", b"123456")
    with pytest.raises(Invalid) as bidi:
        drafts.attach(ERIKA, "buergerbudget", "fdp.\u202etxt", "text/plain", b"1")
    drafts.attach(ERIKA, "buergerbudget", "c.txt", "text/plain", b"1")
    with pytest.raises(Invalid) as too_many:
        drafts.attach(ERIKA, "buergerbudget", "d.txt", "text/plain", b"1")

    assert {too_big.value.code, bidi.value.code, too_many.value.code} == {"attachment-refused"}
    assert "10 MB" not in too_big.value.message and "höchstens 2 Dateien" in too_many.value.message


def test_a_stash_is_claimed_once_by_who_logs_in(container: Container) -> None:
    drafts = container.drafts
    token = drafts.stash("buergerbudget", {"title": "Vor der Anmeldung"})

    drafts.claim(ERIKA, "buergerbudget", token)
    drafts.claim(MAX, "buergerbudget", token)

    assert drafts.get(ERIKA, "buergerbudget").values == {"title": "Vor der Anmeldung"}
    assert drafts.get(MAX, "buergerbudget").values == {}


def test_clear_removes_the_values_and_the_files(container: Container) -> None:
    drafts = container.drafts
    drafts.save(ERIKA, "buergerbudget", {"title": "x"})
    drafts.attach(ERIKA, "buergerbudget", "a.txt", "text/plain", b"1")

    drafts.clear(ERIKA, "buergerbudget")

    assert drafts.get(ERIKA, "buergerbudget") == drafts.get(MAX, "buergerbudget")


def test_a_draft_left_alone_for_the_keeping_days_is_deleted(container: Container) -> None:
    start = container.clock()
    old = ApplicationDrafts(container.db, lambda: start, container.drafts.limits)
    later = replace(old, clock=lambda: start + timedelta(days=KEEP_DAYS, seconds=1))
    old.save(ERIKA, "buergerbudget", {"title": "alt"})
    old.attach(ERIKA, "buergerbudget", "a.txt", "text/plain", b"1")

    later.save(MAX, "anliegen", {"text": "neu"})

    assert later.get(ERIKA, "buergerbudget").values == {}
    assert later.get(ERIKA, "buergerbudget").files == ()


def test_a_stash_not_claimed_within_a_day_is_deleted(container: Container) -> None:
    start = container.clock()
    old = ApplicationDrafts(container.db, lambda: start, container.drafts.limits)
    later = replace(old, clock=lambda: start + timedelta(days=STASH_DAYS, seconds=1))
    token = old.stash("buergerbudget", {"title": "vergessen"})
    old.save(ERIKA, "buergerbudget", {"title": "bleibt"})

    later.save(MAX, "anliegen", {"text": "neu"})
    later.claim(ERIKA, "anliegen", token)
    later.claim(ERIKA, "buergerbudget", token)

    assert later.get(ERIKA, "buergerbudget").values == {"title": "bleibt"}
