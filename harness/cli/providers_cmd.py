"""``harness providers``: every registered adapter and configured instance, with status."""

from __future__ import annotations

import os
from pathlib import Path

import click

from harness.cli.options import config_option
from harness.cli.providers_show import show
from harness.run.config import load_config
from harness.run.registry import Registry


def _key_column(status_cls: object) -> str:
    credentials = getattr(status_cls, "credentials", ())
    if not credentials:
        return "none"
    parts = []
    for credential in credentials:
        state = "set" if os.environ.get(credential.env) else "unset"
        need = "" if credential.required else " (optional)"
        parts.append(f"{credential.env}{need}: {state}")
    return ", ".join(parts)


@click.group(invoke_without_command=True)
@config_option
@click.pass_context
def providers(ctx: click.Context, config_path: Path | None) -> None:
    """List providers: name, version, origin, key needed/set, status."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = config_path  # `providers --config F show NAME` reads the same file
        return
    registry = Registry()
    rows = [("NAME", "VERSION", "ORIGIN", "KEY", "STATUS")]
    for name in registry.names():
        status = registry.status(name)
        entry = status.entry
        if status.provider is not None:
            key = _key_column(status.provider)
            state = "ok"
        else:
            key = "?"
            state = f"broken: {status.error}"
        rows.append((name, entry.version, entry.origin, key, state))
    config = load_config(config_path, required=config_path is not None)
    for instance in config.instances.values():
        rows.append(
            (
                instance.name,
                "-",
                f"config ({instance.adapter})",
                "-",
                "ok"
                if instance.adapter in registry.names()
                else f"broken: adapter {instance.adapter!r} is not installed",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        )


providers.add_command(show)
