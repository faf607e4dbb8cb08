"""First-party provider adapters, one module each, registered through the
``harness.providers`` entry-point group exactly like third-party plugins."""
