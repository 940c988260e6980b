"""`omnia pack validate` through hooks.cli.main: exit codes and the lines it prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hooks import cli
from tests.unit.promptpack import packs


def _write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_pack_validate_exits_zero_on_valid_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "ok.json", packs.load_fixture("support"))

    assert cli.main(["pack", "validate", path]) == 0
    out, err = capsys.readouterr()
    assert out == f"{path}: valid\n"
    assert err == ""


def test_pack_validate_exits_one_and_names_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["parameters"] = {"temperature": 3}
    path = _write(tmp_path, "bad.json", data)

    assert cli.main(["pack", "validate", path]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{path}: error: $.prompts.main.parameters.temperature: "
        "3 is out of range: expected a number from 0 to 2\n"
    )


def test_pack_validate_passes_with_warnings_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["tools"] = ["lookup"]
    path = _write(tmp_path, "warn.json", data)
    line = f'{path}: %s: $.prompts.main.tools[0]: tool "lookup" is not defined in $.tools\n'

    assert cli.main(["pack", "validate", path]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"{path}: valid\n", line % "warning")

    assert cli.main(["pack", "validate", "--strict", path]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", line % "error")


def test_pack_validate_checks_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path, "good.json", packs.load_fixture("crew"))
    missing = str(tmp_path / "missing.yaml")

    assert cli.main(["pack", "validate", "-q", good, missing]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{missing}: error: $: cannot read the file: No such file or directory\n"


def test_pack_validate_reads_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(packs.FIXTURES / "support.yaml")

    assert cli.main(["pack", "validate", path]) == 0
    assert capsys.readouterr().out == f"{path}: valid\n"
