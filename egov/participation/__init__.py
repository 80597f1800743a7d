"""Planning participation (issue 14): XBeteiligung procedures, their period and updates."""
