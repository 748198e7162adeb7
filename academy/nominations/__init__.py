"""Nominations: editions (intakes) and the people member organisations propose for them."""
