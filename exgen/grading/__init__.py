"""Grading against a stored answer key (the ``grade`` verb)."""
