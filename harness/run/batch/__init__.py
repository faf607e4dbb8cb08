"""Runs through a provider's own batch service (``harness run --batch``)."""
