"""``harness.toml``: named provider instances and run settings, plus ``-o`` overrides.

::

    [defaults]                 # optional, applies to every instance
    concurrency = 4
    timeout = 60               # seconds per request
    max_attempts = 5
    rate_limit = "10/s"        # or "600/min"; omitted = no limit
    max_wait = 600             # longest Retry-After waited out, in seconds

    [providers.deepl-formal]   # an instance name, used with --provider
    adapter = "deepl"          # the registered adapter it uses
    concurrency = 8
    [providers.deepl-formal.options]
    formality = "more"

``--provider`` takes an instance name or a bare adapter name; ``-o key=value``
overrides one option (values are read as TOML when they parse, else as text).
An instance named like a built-in adapter but using another adapter shadows it:
:func:`shadowing_warnings` says so. The ``[run]`` table (what ``harness run``
does with no flags, :mod:`harness.run.run_table`) and the ``[gates]`` table
(what ``harness compare`` checks, :mod:`harness.compare.gate_table`) are kept
here as read and checked by the commands that use them.
Every problem is a :class:`~harness.errors.ConfigError` that says where it is.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from harness.errors import ConfigError, MissingKeyError, UnknownProviderError
from harness.provider import Provider
from harness.run.registry import Registry

CONFIG_FILENAME = "harness.toml"
_SETTING_KEYS = {"concurrency", "timeout", "max_attempts", "rate_limit", "max_wait"}
#: Requests in flight per provider at most: each costs a task and a connection, and no
#: hosted backend admits more from one client (a typo like 1000000000 must not grow memory).
MAX_CONCURRENCY = 512
MAX_ATTEMPTS = 100
#: Prices of an instance (any currency, per million units), used by ``harness run --dry-run``.
PRICE_KEYS = {
    "price_per_million_chars",
    "price_per_million_input_tokens",
    "price_per_million_output_tokens",
}
_RATE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$")
_RATE_UNITS = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
}


@dataclass(frozen=True)
class RunSettings:
    """How the runner treats one provider instance."""

    concurrency: int = 4
    timeout: float = 60.0
    max_attempts: int = 5
    rate_limit: float | None = None  # requests per second
    #: The longest wait a backend may ask for (Retry-After); asked for longer, the provider
    #: stops with its resume command instead of pausing for hours.
    max_wait: float = 600.0

    def __post_init__(self) -> None:
        """Every way of setting these (file, flags, run header) is checked here."""
        _positive_seconds("timeout", self.timeout)
        _positive_seconds("max_wait", self.max_wait, zero=True)
        if self.rate_limit is not None:
            _positive_seconds("rate_limit", self.rate_limit)
        for key, value, top in (
            ("concurrency", self.concurrency, MAX_CONCURRENCY),
            ("max_attempts", self.max_attempts, MAX_ATTEMPTS),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
                raise ConfigError(f"{key} must be an integer from 1 to {top} (got {value!r})")

    def merged(self, table: Mapping[str, Any], where: str) -> RunSettings:
        values: dict[str, Any] = {}
        for key in _SETTING_KEYS & table.keys():
            raw = table[key]
            if key == "rate_limit":
                values[key] = parse_rate(raw, where)
            elif key in ("timeout", "max_wait"):
                if not isinstance(raw, int | float) or isinstance(raw, bool):
                    raise ConfigError(f"{where}: {key} must be a number of seconds")
                values[key] = float(raw)
            else:
                if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
                    raise ConfigError(f"{where}: {key} must be a positive integer")
                values[key] = raw
        try:
            return replace(self, **values)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None


def _positive_seconds(key: str, value: object, *, zero: bool = False) -> None:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        least = "0 or more" if zero else "more than 0"
        raise ConfigError(f"{key} must be a finite number, {least} (got {value!r})")


def parse_rate(raw: Any, where: str = "--rate") -> float:
    """``"10/s"`` -> 10.0 requests per second; ``"600/min"`` -> 10.0."""
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw < math.inf:
        return float(raw)
    match = _RATE_RE.match(str(raw))
    if not match or not 0 < float(match.group(1)) < math.inf:
        raise ConfigError(f"{where}: rate limit {raw!r} is not like '10/s' or '600/min'")
    return float(match.group(1)) / _RATE_UNITS[match.group(2)]


@dataclass(frozen=True)
class ProviderInstance:
    """A named, configured use of an adapter."""

    name: str
    adapter: str
    options: Mapping[str, Any] = field(default_factory=dict)
    settings: RunSettings = field(default_factory=RunSettings)
    where: str = "command line"
    prices: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: Path | None
    defaults: RunSettings
    instances: Mapping[str, ProviderInstance]
    run: Mapping[str, Any] = field(default_factory=dict)
    gates: Mapping[str, Any] = field(default_factory=dict)


def load_config(path: Path | None = None, *, required: bool = False) -> Config:
    """Read ``path`` (or ``./harness.toml`` when present); no file means defaults only."""
    if path is None:
        candidate = Path.cwd() / CONFIG_FILENAME
        if not candidate.is_file():
            return Config(None, RunSettings(), {})
        path = candidate
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such config file") from None
        return Config(None, RunSettings(), {})
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path | None) -> Config:
    label = str(path) if path else CONFIG_FILENAME
    unknown = set(data) - {"defaults", "providers", "run", "gates"}
    if unknown:
        raise ConfigError(f"{label}: unknown table(s) {', '.join(sorted(unknown))}")
    for table in ("run", "gates"):
        if not isinstance(data.get(table, {}), dict):
            raise ConfigError(f"{label}: [{table}] must be a table")
    defaults_table = data.get("defaults", {})
    if not isinstance(defaults_table, dict):
        raise ConfigError(f"{label}: [defaults] must be a table")
    bad = set(defaults_table) - _SETTING_KEYS
    if bad:
        raise ConfigError(f"{label}: [defaults] has unknown key(s) {', '.join(sorted(bad))}")
    defaults = RunSettings().merged(defaults_table, f"{label} [defaults]")
    instances: dict[str, ProviderInstance] = {}
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise ConfigError(f"{label}: [providers] must be a table of instances")
    for name, table in providers.items():
        where = f"{label} [providers.{name}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        bad = set(table) - _SETTING_KEYS - PRICE_KEYS - {"adapter", "options"}
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(bad))}")
        adapter = table.get("adapter", name)
        options = table.get("options", {})
        if not isinstance(adapter, str):
            raise ConfigError(f"{where}: adapter must be a string")
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: options must be a table")
        prices: dict[str, float] = {}
        for key in PRICE_KEYS & table.keys():
            value = table[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where}: {key} must be a number >= 0")
            prices[key] = float(value)
        instances[name] = ProviderInstance(
            name, adapter, options, defaults.merged(table, where), where, prices
        )
    return Config(path, defaults, instances, dict(data.get("run", {})), dict(data.get("gates", {})))


def shadowing_warnings(config: Config, registry: Registry) -> list[str]:
    """Instances named like a built-in adapter but using another one: ``--provider NAME``
    then means the instance, which surprises whoever expects the adapter."""
    builtin = set(registry.names())
    return [
        f"{instance.where}: the instance {name!r} shadows the adapter {name!r} "
        f"(it uses {instance.adapter!r}); --provider {name} means this instance"
        for name, instance in config.instances.items()
        if name in builtin and instance.adapter != name
    ]


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``["model=gpt-4o", "temperature=0.2"]`` -> typed values (TOML when it parses)."""
    overrides: dict[str, Any] = {}
    for item in pairs:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"-o {item!r}: expected key=value")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        overrides[key] = value
    return overrides


def resolve_instance(config: Config, name: str, registry: Registry) -> ProviderInstance:
    """An instance from the config, or a bare adapter with default settings."""
    if name in config.instances:
        return config.instances[name]
    if name in registry.names():
        return ProviderInstance(name, name, {}, config.defaults)
    raise UnknownProviderError(
        name,
        registry.suggest(name, list(config.instances)),
        sorted(set(registry.names()) | set(config.instances)),
    )


def build_options(
    cls: type[Provider], instance: ProviderInstance, overrides: Mapping[str, Any]
) -> Any:
    """Validate the instance's options (with overrides) against the adapter's model."""
    merged = {**instance.options, **overrides}
    for key, value in merged.items():
        if isinstance(value, str) and _has_userinfo(value):
            raise ConfigError(
                f"{instance.where}: option {key} holds a user name or password in its URL; "
                "it would be stored in run files: give credentials through the adapter's "
                "environment variable instead"
            )
    try:
        return cls.Options(**merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"{instance.where}: options for {cls.name!r}: {problems}") from None


def _has_userinfo(value: str) -> bool:
    if "://" not in value or "@" not in value:
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return bool(parts.scheme and (parts.username or parts.password))


def collect_secrets(
    cls: type[Provider], environ: Mapping[str, str], *, required: bool = True, options: Any = None
) -> dict[str, str]:
    """The adapter's credentials from the environment; a missing required one is an error
    unless ``required`` is False or the option that stands in for it is set in ``options``.

    Surrounding whitespace is dropped (a ``.env`` file with CRLF line ends leaves a
    ``\\r``); a key with a control character or space inside is refused without being
    shown, since HTTP libraries quote such header values in their error messages.
    """
    secrets: dict[str, str] = {}
    for credential in cls.credentials:
        value = environ.get(credential.env, "").strip()
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ConfigError(
                f"{credential.env} holds a space or control character inside "
                "the key; set it to the key alone"
            )
        if value:
            secrets[credential.env] = value
        elif (
            credential.required
            and required
            and not (credential.option and getattr(options, credential.option, None))
        ):
            raise MissingKeyError(cls.name, credential.env, credential.option)
    return secrets
