"""The ``harness`` command line: one click group, one module per command.

Errors of :mod:`harness.errors` become a one-line message on stderr and the
exit code their class names (2 for usage and config, 3 for runtime).

Commands are loaded lazily: the group knows each command's module and one-line
summary, and imports a module only when its command runs (or its own ``--help``
is asked for). ``harness --help`` and ``harness --version`` therefore import
neither HTTP, pydantic, Babel, sacreBLEU, RapidFuzz nor rich.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from harness import __version__
from harness.errors import EXIT_RUNTIME, HarnessError, scrub_message

#: Command name -> (``module:attribute``, the one-line summary ``harness --help`` lists).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "harness.cli.run_cmd:run",
        "Translate the articles (spun, restored) into target languages.",
    ),
    "merge": ("harness.cli.merge_cmd:merge", "Join the shard run files of one provider run."),
    "providers": (
        "harness.cli.providers_cmd:providers",
        "List providers: name, version, origin, key needed/set, status.",
    ),
    "references": (
        "harness.cli.references_cmd:references",
        "Reference articles: spun text, restored text, edits, facts.",
    ),
    "fidelity": (
        "harness.cli.fidelity_cmd:fidelity",
        "Judge names and numbers in one translation pair.",
    ),
    "score": ("harness.cli.score_cmd:score", "Score run files: fidelity, chrF and BLEU, errors."),
    "restore": ("harness.cli.restore_cmd:restore", "Propose a restored text for a spun file."),
    "compare": (
        "harness.cli.compare_cmd:compare",
        "Compare run files side by side; gate CI on the differences.",
    ),
    "init": ("harness.cli.init_cmd:init", "Write a commented starter harness.toml."),
}


def _fit(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, as click shortens help."""
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


class HarnessGroup(click.Group):
    """The top-level group: lazy commands, harness errors as a message and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        target, summary = COMMANDS[cmd_name]
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        command.short_help = command.short_help or summary
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries alone: listing imports no command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if loaded.hidden:
                    continue
                rows.append((name, loaded.get_short_help_str(limit)))
            else:
                rows.append((name, _fit(COMMANDS[name][1], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HarnessError as exc:
            # Messages can quote a backend or a URL: no passwords, no terminal escapes.
            click.echo(f"harness: error: {scrub_message(str(exc), limit=None)}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # disk full, permissions, a vanished folder: say which file
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"harness: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_RUNTIME)


@click.group(cls=HarnessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
def main() -> None:
    """Send articles through translation backends and score names and numbers."""
