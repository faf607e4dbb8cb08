"""Provider registry (entry points, lazy, suggestions, broken plugins) and harness.toml."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ConfigError, MissingKeyError, UnknownProviderError
from harness.provider import Credential, Provider
from harness.run.config import (
    build_options,
    collect_secrets,
    load_config,
    parse_overrides,
    parse_rate,
    resolve_instance,
)
from harness.run.instances import plan_provider
from harness.run.registry import BrokenProviderError, Registry
from providers.echo import EchoProvider


def _registry(**targets: str) -> Registry:
    return Registry(
        [EntryPoint(name, value, "harness.providers") for name, value in targets.items()]
    )


def test_installed_registry_lists_the_first_party_adapters() -> None:
    registry = Registry()
    assert {"apertium", "apertium-apy", "echo"} <= set(registry.names())
    assert registry.entry("echo").origin == "built-in"
    assert registry.load("echo") is EchoProvider


def test_unknown_name_suggests_close_names() -> None:
    registry = _registry(
        apertium="providers.apertium:ApertiumProvider", echo="providers.echo:EchoProvider"
    )
    with pytest.raises(UnknownProviderError) as info:
        registry.load("apertum")
    assert info.value.suggestions == ["apertium"]
    assert "Did you mean: apertium?" in str(info.value)


def test_plugin_that_fails_to_import_is_reported_broken_with_reason() -> None:
    registry = _registry(
        ghost="harness_no_such_module_xyz:Ghost", notprov="harness.models:LangPair"
    )
    status = registry.status("ghost")
    assert not status.ok
    assert "ModuleNotFoundError" in (status.error or "")
    with pytest.raises(BrokenProviderError, match=r"not a harness\.provider\.Provider subclass"):
        registry.load("notprov")


def test_listing_does_not_import_plugins() -> None:
    registry = _registry(ghost="harness_no_such_module_xyz:Ghost")
    assert registry.names() == ["ghost"]  # no import happened, so no error yet


def test_config_instances_settings_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "harness.toml"
    path.write_text(
        "[defaults]\nconcurrency = 2\n\n"
        '[providers.apy-local]\nadapter = "apertium-apy"\nrate_limit = "120/min"\n'
        '[providers.apy-local.options]\nbase_url = "http://127.0.0.1:9999"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    instance = resolve_instance(config, "apy-local", Registry())
    assert instance.adapter == "apertium-apy"
    assert instance.settings.concurrency == 2
    assert instance.settings.rate_limit == pytest.approx(2.0)
    cls = Registry().load("apertium-apy")
    options = build_options(cls, instance, parse_overrides(["max_chars=500"]))
    assert options.base_url == "http://127.0.0.1:9999"
    assert options.max_chars == 500


def test_bare_adapter_name_works_without_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert resolve_instance(config, "echo", Registry()).adapter == "echo"


def test_broken_toml_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "harness.toml"
    path.write_text('[providers.x]\nadapter = "echo"\nconcurrency = = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"harness\.toml: not valid TOML: .*line 3"):
        load_config(path)


@pytest.mark.parametrize(
    "body, message",
    [
        (
            '[providers.x]\nadapter = "echo"\ncolour = 1\n',
            r"\[providers\.x\]: unknown key\(s\) colour",
        ),
        ('[providers.x]\nadapter = "echo"\nconcurrency = 0\n', "concurrency must be a positive"),
        ('[providers.x]\nadapter = "echo"\nrate_limit = "fast"\n', "not like '10/s'"),
        ("[nonsense]\n", r"unknown table\(s\) nonsense"),
    ],
)
def test_config_mistakes_say_where(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "harness.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_unknown_option_is_a_config_error_naming_the_instance(tmp_path: Path) -> None:
    path = tmp_path / "harness.toml"
    path.write_text(
        '[providers.apy]\nadapter = "apertium-apy"\n[providers.apy.options]\nbase_urll = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"\[providers\.apy\]: options for 'apertium-apy': "
        r"base_urll: Extra inputs are not permitted",
    ):
        plan_provider("apy", config=load_config(path), registry=Registry())


def test_overrides_are_typed() -> None:
    assert parse_overrides(["a=1", "b=true", "c=hello", "d=0.5", 'e="x=y"']) == {
        "a": 1,
        "b": True,
        "c": "hello",
        "d": 0.5,
        "e": "x=y",
    }
    with pytest.raises(ConfigError, match="expected key=value"):
        parse_overrides(["novalue"])


def test_rates() -> None:
    assert parse_rate("10/s") == 10.0
    assert parse_rate("600/min") == pytest.approx(10.0)
    with pytest.raises(ConfigError):
        parse_rate("0/s")


class _KeyedProvider(EchoProvider):
    name = "keyed"
    credentials = (Credential("HARNESS_TEST_KEY"), Credential("HARNESS_TEST_EXTRA", required=False))


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(MissingKeyError, match="set the environment variable HARNESS_TEST_KEY"):
        collect_secrets(_KeyedProvider, {})
    assert collect_secrets(_KeyedProvider, {"HARNESS_TEST_KEY": "s3cret"}) == {
        "HARNESS_TEST_KEY": "s3cret"
    }


def test_identity_never_holds_secrets() -> None:
    provider: Provider = _KeyedProvider(secrets={"HARNESS_TEST_KEY": "s3cret-value"})
    assert "s3cret-value" not in repr(provider.identity())
    assert provider.key == "s3cret-value"


def test_providers_command_lists_adapters_with_status() -> None:
    result = CliRunner().invoke(main, ["providers"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["NAME", "VERSION", "ORIGIN", "KEY", "STATUS"]
    for name in ("apertium", "apertium-apy", "echo"):
        row = next(line for line in lines if line.startswith(name + " "))
        assert "built-in" in row and row.rstrip().endswith("ok")
