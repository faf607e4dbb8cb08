"""Scoring run files: fidelity on names and numbers, chrF and BLEU, per variant and language."""
