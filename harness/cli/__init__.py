"""The ``harness`` command line: one click group, one module per command.

Errors of :mod:`harness.errors` become a one-line message on stderr and the
exit code their class names (2 for usage and config, 3 for runtime).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from harness import __version__
from harness.errors import EXIT_RUNTIME, HarnessError


class HarnessGroup(click.Group):
    """A click group that turns harness errors into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HarnessError as exc:
            click.echo(f"harness: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # disk full, permissions, a vanished folder: say which file
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"harness: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_RUNTIME)


@click.group(cls=HarnessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
def main() -> None:
    """Send articles through translation backends and score names and numbers."""


def _register_commands() -> None:
    # Imported here so each command module can import ``main``'s helpers freely.
    from harness.cli import (
        compare_cmd,
        fidelity_cmd,
        merge_cmd,
        providers_cmd,
        references_cmd,
        restore_cmd,
        run_cmd,
        score_cmd,
    )

    main.add_command(run_cmd.run)
    main.add_command(merge_cmd.merge)
    main.add_command(providers_cmd.providers)
    main.add_command(references_cmd.references)
    main.add_command(fidelity_cmd.fidelity)
    main.add_command(score_cmd.score)
    main.add_command(restore_cmd.restore)
    main.add_command(compare_cmd.compare)


_register_commands()
