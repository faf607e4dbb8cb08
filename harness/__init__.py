"""harness: measure what machine-translation backends do to names and numbers.

The package holds the core (configuration, provider registry, runner, run files,
scoring and reports); first-party adapters live in the sibling ``providers``
package and are registered through the same ``harness.providers`` entry-point
group as third-party plugins.
"""

__version__ = "0.1.0"
