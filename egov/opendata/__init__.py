"""Open data for the urban data platform (issue 15, ADR 0033): a DCAT-AP.de catalogue in
JSON-LD and its datasets as CSV and JSON, without personal data (`docs/open-data.md`)."""
