"""`OpenData`: the catalogue and every distribution, for the API (`GET /open-data...`) and the
CLI (`egov open-data export DIR`) alike. Each call reads afresh; a `Snapshot` reads and
renders each dataset once for everything made from it (the catalogue states every
distribution's size, so an export's files and its catalogue agree)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from egov.db import Database
from egov.errors import NotFound
from egov.opendata import datasets, sources
from egov.opendata.catalogue import FORMATS, Publisher, catalogue
from egov.opendata.datasets import SPECS, Built
from egov.opendata.sources import ProposalSource
from egov.opendata.table import as_csv, as_json
from egov.participation.public import PublicParticipations

CATALOGUE_FILE = "catalogue.jsonld"


def not_found() -> NotFound:
    return NotFound("Diesen offenen Datensatz gibt es nicht.", code="open-data-not-found")


@dataclass
class Snapshot:
    service: OpenData
    _built: dict[str, Built] = field(default_factory=dict)
    _participations: list[dict[str, Any]] | None = None
    _rendered: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def built(self, dataset_id: str) -> Built:
        if dataset_id not in self._built:
            self._built[dataset_id] = self._build(dataset_id)
        return self._built[dataset_id]

    def _build(self, dataset_id: str) -> Built:
        service = self.service
        if dataset_id == datasets.PROPOSALS.id:
            found = service.proposals
            return datasets.proposals(found.proposals(), found.last_change())
        if dataset_id == datasets.ROUNDS.id:
            found = service.proposals
            return datasets.rounds(found.round_pages(), found.last_change())
        if dataset_id == datasets.STATISTICS.id:
            return datasets.statistics(*sources.case_times(service.db))
        if self._participations is None:
            self._participations = sources.participations(service.participations)
        changed = sources.participations_changed(service.db)
        if dataset_id == datasets.PROCEDURES.id:
            return datasets.procedures(self._participations, changed)
        return datasets.statements(self._participations, changed)

    def distribution(self, dataset_id: str, extension: str) -> bytes:
        if dataset_id not in SPECS or extension not in FORMATS:
            raise not_found()
        if (dataset_id, extension) not in self._rendered:
            table = self.built(dataset_id).table
            body = as_csv(table) if extension == "csv" else as_json(dataset_id, table)
            self._rendered[(dataset_id, extension)] = body
        return self._rendered[(dataset_id, extension)]

    def sizes(self, dataset_id: str) -> dict[str, int]:
        return {ext: len(self.distribution(dataset_id, ext)) for ext in FORMATS}

    def catalogue(self) -> bytes:
        entries = [(spec, self.built(spec.id), self.sizes(spec.id)) for spec in SPECS.values()]
        document = catalogue(self.service.base, self.service.publisher, entries)
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass
class OpenData:
    db: Database
    base: str  # the API's public address, EGOV_PUBLIC_URL/api/v1
    publisher: Publisher
    proposals: ProposalSource
    participations: PublicParticipations

    def catalogue(self) -> bytes:
        return Snapshot(self).catalogue()

    def distribution(self, dataset_id: str, extension: str) -> bytes:
        return Snapshot(self).distribution(dataset_id, extension)

    def export(self) -> list[tuple[str, Callable[[], bytes]]]:
        """Every file of an export, by relative name, rendered when called: each dataset's
        distributions, then the catalogue."""
        snapshot = Snapshot(self)
        files: list[tuple[str, Callable[[], bytes]]] = [
            (f"datasets/{dataset_id}.{ext}", _render(snapshot, dataset_id, ext))
            for dataset_id in SPECS
            for ext in FORMATS
        ]
        return [*files, (CATALOGUE_FILE, snapshot.catalogue)]


def _render(snapshot: Snapshot, dataset_id: str, extension: str) -> Callable[[], bytes]:
    return lambda: snapshot.distribution(dataset_id, extension)
