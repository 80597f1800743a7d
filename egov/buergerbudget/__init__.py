"""Bürgerbudget (issue 15): rounds, the vote, the allocation and implementation tracking."""
