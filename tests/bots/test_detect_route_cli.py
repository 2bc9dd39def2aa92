"""`seabot detect` and `seabot route`: the JSON-lines contract, in order, bad lines named."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def run(cmd: list[str], config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, args[0], "--config", str(config), *args[1:]], capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_detect_texts(seabot_cmd: list[str], shipped_config: Path) -> None:
    result = run(
        seabot_cmd, shipped_config, "detect", "ส่งของกี่วันคะ", "运费多少钱？", "Berapa lama pengiriman?", "🙂 12345"
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["lang"] for r in rows] == ["th", "zh", "id", "und"]
    assert rows[0]["text"] == "ส่งของกี่วันคะ"
    assert all(0.0 <= r["confidence"] <= 1.0 for r in rows)


def test_detect_jsonl_answers_every_line_in_order_and_names_bad_ones(
    seabot_cmd: list[str], shipped_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b'{"text": "xin ch\\u00e0o shop"}\nnot json\n{"id": 3}\n\xff\xfe\n{"text": "\\ud800"}\n'
        + json.dumps({"text": "a" * 100_000}).encode()
        + b'\n{"text": "\\u0000\\u0001"}\n'
    )
    result = run(seabot_cmd, shipped_config, "detect", "--jsonl", str(source))
    assert result.returncode == 1  # some lines were bad, and the run says so
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 7
    assert rows[0]["lang"] == "vi"
    assert [r.get("error") for r in rows[1:4]] == [
        "line 2: not JSON (Expecting value)", 'line 3: no "text" string', "line 4: not valid UTF-8",
    ]  # fmt: skip
    assert rows[4]["lang"] == "und" and rows[6]["lang"] == "und"
    assert "line 2: not JSON" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.shared("langid", "dev.jsonl")
def test_detect_jsonl_on_the_shared_dev_set_matches_line_count(seabot_cmd: list[str], shipped_config: Path) -> None:
    dev = SHARED / "langid" / "dev.jsonl"
    result = run(seabot_cmd, shipped_config, "detect", "--jsonl", str(dev))
    assert result.returncode == 0
    gold = [json.loads(line)["lang"] for line in dev.read_text(encoding="utf-8").splitlines()]
    got = [json.loads(line)["lang"] for line in result.stdout.splitlines()]
    assert len(got) == len(gold)
    assert sum(a == b for a, b in zip(got, gold, strict=True)) / len(gold) > 0.8


def test_route_texts_and_jsonl(seabot_cmd: list[str], shipped_config: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "转人工"}\n{"oops": true}\n{"text": "ร้านเปิดกี่โมงคะ"}\n', encoding="utf-8")
    result = run(seabot_cmd, shipped_config, "route", "barangnya rusak, saya mau refund!!!", "--jsonl", str(source))
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["tier"], r["handoff"]) for r in rows] == [("premium", False), ("fast", True), ("fast", False),
                                                         ("fast", False)]  # fmt: skip
    assert rows[0]["reasons"] and rows[2]["error"] == 'line 2: no "text" string'
    assert not rows[3].get("error")


def test_route_uses_a_bots_own_cues(seabot_cmd: list[str], write_config: object, tmp_path: Path) -> None:
    config = write_config(  # type: ignore[operator]  # the fixture is a factory, annotated as its request
        f'[storage]\npath = "{tmp_path / "x.db"}"\n[bots.b]\nlanguages = ["en"]\n'
        '[bots.b.routing]\npremium = ["parcel vanished"]\n'
    )
    plain = run(seabot_cmd, config, "route", "the parcel vanished")
    custom = run(seabot_cmd, config, "route", "--bot", "b", "the parcel vanished")
    assert json.loads(plain.stdout)["tier"] != "premium"
    assert json.loads(custom.stdout)["tier"] == "premium"


def test_no_input_is_a_usage_error(seabot_cmd: list[str], shipped_config: Path) -> None:
    result = run(seabot_cmd, shipped_config, "detect")
    assert result.returncode == 2 and "give TEXT arguments or --jsonl FILE" in result.stderr
