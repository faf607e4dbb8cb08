"""Spun text: align a spun copy with its restoration, restore without an original,
and measure what spinning does to translations (leakage)."""
