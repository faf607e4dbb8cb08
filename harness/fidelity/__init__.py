"""Fidelity scoring: do the names and numbers of a source come through a translation."""
