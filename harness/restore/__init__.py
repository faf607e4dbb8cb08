"""Restoring spun text without its original, and measuring what spinning does to
translations (phrase leakage)."""
