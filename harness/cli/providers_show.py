"""``harness providers show NAME``: everything a user needs to configure one adapter.

``NAME`` is an adapter or an instance configured in ``harness.toml`` (the names
``harness providers`` lists). Options (type, default, help, read from the
adapter's pydantic model, and an instance's configured values), limits per
request as the adapter computes them from those options, credentials (which
environment variable, required or not, set or not — never the value) and the
languages or pairs the adapter offers.
"""

from __future__ import annotations

import asyncio
import os
import types
from pathlib import Path
from typing import Any

import click
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from harness.cli.options import config_option
from harness.provider import Provider, ProviderOptions
from harness.run.config import ProviderInstance, build_options, load_config, resolve_instance
from harness.run.registry import Registry

# Adapters that take any CLDR language list hundreds of codes: show a sample.
LANGUAGE_SAMPLE = 24


def type_name(annotation: Any) -> str:
    """``str``, ``int | None``, ``Literal['a', 'b']``: how a field's type reads to a user."""
    if isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default is PydanticUndefined:
        return "computed"
    return f"default {field.default!r}"


def describe_options(cls: type[Provider]) -> list[str]:
    lines = []
    for name, field in cls.Options.model_fields.items():
        line = f"  {name} ({type_name(field.annotation)}, {default_text(field)})"
        if field.description:
            line += f": {field.description}"
        lines.append(line)
    return lines or ["  none"]


def describe_credentials(cls: type[Provider]) -> list[str]:
    lines = []
    for credential in cls.credentials:
        need = "required" if credential.required else "optional"
        if credential.required and credential.option:
            need += f" unless the {credential.option} option is set"
        state = "set" if os.environ.get(credential.env) else "not set"
        help_text = f" ({credential.help})" if credential.help else ""
        lines.append(f"  {credential.env}: {need}, {state}{help_text}")
    return lines or ["  none"]


def shown_options(cls: type[Provider], instance: ProviderInstance) -> ProviderOptions:
    """The instance's options, validated; for a bare adapter its unvalidated defaults.

    Options may have required fields (a model name): limits and language lists do not
    depend on them, so a bare adapter is built from its defaults just to ask.
    """
    if instance.options:
        options: ProviderOptions = build_options(cls, instance, {})
        return options
    return cls.Options.model_construct()


def describe_configured(instance: ProviderInstance) -> list[str]:
    return [f"  {key} = {value!r}" for key, value in sorted(instance.options.items())] or [
        "  none (the adapter's defaults)"
    ]


def describe_languages(provider: Provider) -> list[str]:
    if not provider.uses_http:
        # Local engines learn their pairs from the installed engine; no request is sent.
        asyncio.run(provider.prepare())
    pairs = provider.supported_pairs()
    if pairs is not None:
        return [f"  pairs: {', '.join(sorted(str(p) for p in pairs)) or 'none'}"]
    table = provider.language_table()
    if table is None:
        return ["  any language the backend accepts (not listed by the adapter)"]
    codes = sorted(table)
    if len(codes) > LANGUAGE_SAMPLE:
        return [f"  {len(codes)} languages, e.g. {', '.join(codes[:LANGUAGE_SAMPLE])}, ..."]
    return [f"  {', '.join(codes)}"]


@click.command()
@click.argument("name")
@config_option
@click.pass_context
def show(ctx: click.Context, name: str, config_path: Path | None) -> None:
    """Options, limits, credentials and languages of one provider or configured instance."""
    if config_path is None and isinstance(ctx.obj, Path):
        config_path = ctx.obj
    registry = Registry()
    config = load_config(config_path, required=config_path is not None)
    instance = resolve_instance(config, name, registry)
    cls = registry.load(instance.adapter)
    entry = registry.entry(instance.adapter)
    provider = cls(shown_options(cls, instance))
    lines = [f"{name}: {cls.description}".rstrip(": ")]
    if instance.name in config.instances:
        lines.append(f"  instance of {instance.adapter}, configured in {instance.where}")
    lines.append(
        f"  from {entry.origin} {entry.version} ({entry.target}), adapter version {cls.version}"
    )
    lines += ["options:", *describe_options(cls)]
    if instance.name in config.instances:
        lines += ["configured options:", *describe_configured(instance)]
    limits = provider.limits
    lines += [
        "limits per request:",
        f"  {limits.max_batch} segment(s), {limits.max_chars} characters",
    ]
    lines += ["credentials (environment variables):", *describe_credentials(cls)]
    lines += ["languages:", *describe_languages(provider)]
    click.echo("\n".join(lines))
