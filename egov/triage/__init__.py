"""Pluggable AI triage (issue 13): suggestions with confidence and reasons; a person decides.

`model.py` is the port every plugin and every caller shares; see `docs/triage.md`.
"""
