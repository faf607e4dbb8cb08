"""Comparing runs: alignment, per-run summaries, paired significance, gates."""
