"""The citizen portal at `/` (issue 17, docs/frontends.md): server-rendered pages on the
shared pieces of `egov.ui`. Built: the start page (`views.py`)."""
