"""``--shard i/n`` splits the work deterministically; ``harness merge`` joins the shards."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import UsageError
from harness.run.plan import Shard, in_shard, parse_shard, plan_items, shard_of
from tests.engine_helpers import expected_output, seed_article
from tests.fakes.batch_provider import install_plugin
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.helpers import REFERENCES, read_jsonl

TARGETS = ["de", "fr", "es"]


def test_shards_partition_the_plan_stably() -> None:
    items = plan_items([seed_article()], ["spun", "restored"], TARGETS)
    shards = [[i.key for i in in_shard(items, Shard(n, 4))] for n in range(1, 5)]
    keys = [key for shard in shards for key in shard]
    assert sorted(keys) == sorted(i.key for i in items)  # every item in exactly one shard
    assert all(len(shard) > 66 / 4 / 2 for shard in shards)  # roughly balanced
    # The shard depends on the segment id only, not on the order of the plan.
    reordered = plan_items([seed_article()], ["restored", "spun"], list(reversed(TARGETS)))
    assert sorted(i.key for i in in_shard(reordered, Shard(2, 4))) == sorted(shards[1])
    assert shard_of("a/p01/spun/de", 4) == shard_of("a/p01/spun/de", 4)


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "x", "1-3"])
def test_bad_shard_specs_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install_plugin(tmp_path / "site")


@pytest.mark.usefixtures("plugin")
def test_shard_runs_merge_into_one_complete_run(tmp_path: Path) -> None:
    server, other = FaultServer(), FaultServer()
    runs = tmp_path / "runs"
    with serve(server.app) as url, serve(other.app) as other_url:

        def shard_run(shard: str, base_url: str = url, out: Path = runs) -> Path:
            before = set(out.glob("*.jsonl"))
            _run(
                [
                    "run",
                    "-p",
                    "fault-batch",
                    "-o",
                    f"base_url={base_url}",
                    "--to",
                    ",".join(TARGETS),
                    "--shard",
                    shard,
                    "--runs-dir",
                    str(out),
                    "--references",
                    str(REFERENCES),
                    "--no-cache",
                ]
            )
            return (set(out.glob("*.jsonl")) - before).pop()

        files = [shard_run(f"{n}/3") for n in (1, 2, 3)]
        foreign = shard_run("3/3", other_url, tmp_path / "foreign")
        four = shard_run("1/4", url, tmp_path / "four")
    merged_path = tmp_path / "merged.jsonl"
    output = _run(["merge", *map(str, reversed(files)), "--output", str(merged_path)])
    assert "merged 3 shard(s)" in output
    records = read_jsonl(merged_path)
    header, footer = records[0], records[-1]
    segments = [r for r in records if r["type"] == "segment"]
    planned = plan_items([seed_article()], ["spun", "restored"], TARGETS)
    assert sorted(r["id"] for r in segments) == sorted(i.key for i in planned)
    assert all(r["output"] == expected_output(r) for r in segments)
    assert header["shard"] is None
    assert [m["shard"] for m in header["merged_from"]] == ["1/3", "2/3", "3/3"]
    assert footer["counts"] == {"segments": 66, "ok": 66, "errors": 0}

    def refused(paths: list[Path], message: str) -> None:
        result = CliRunner().invoke(
            main, ["merge", *map(str, paths), "--output", str(tmp_path / "refused.jsonl")]
        )
        assert result.exit_code == 2 and message in result.output, result.output
        assert not (tmp_path / "refused.jsonl").exists()

    refused(files[:2], "shard(s) 3/3 missing")
    refused([files[0], files[0], files[1], files[2]], "shard(s) 1/3 given twice")
    refused([*files[:2], foreign], "provider differs")
    refused([*files, four], "split the work differently")
    refused([merged_path], "not a shard run")
    torn = files[2].read_text(encoding="utf-8").splitlines(keepends=True)
    files[2].write_text("".join(torn[:-1]), encoding="utf-8")  # drop the footer
    refused(files, "incomplete")
