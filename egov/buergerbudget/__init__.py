"""Bürgerbudget: its rounds as data, the public vote (issue 15; docs/buergerbudget.md)."""
