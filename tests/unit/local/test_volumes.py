"""ConfigMap and Secret volumes laid out on disk like the kubelet does."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from hooks.local import volumes


def test_write_volume_exposes_keys_through_the_data_symlink(tmp_path: Path) -> None:
    volumes.write_volume(tmp_path, {"a.json": b"1", "b.json": b"2"}, version=1)
    assert (tmp_path / "a.json").read_bytes() == b"1"
    assert os.readlink(tmp_path / "a.json") == "..data/a.json"
    assert os.readlink(tmp_path / "..data") == "..000001"


def test_write_volume_swaps_versions_and_drops_removed_keys(tmp_path: Path) -> None:
    volumes.write_volume(tmp_path, {"a.json": b"1", "b.json": b"2"}, version=1)
    volumes.write_volume(tmp_path, {"a.json": b"3"}, version=2)
    assert (tmp_path / "a.json").read_bytes() == b"3"
    assert not (tmp_path / "b.json").exists()
    assert not (tmp_path / "..000001").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["..000002", "..data", "a.json"]


def test_volume_files_decodes_secret_data_and_string_data() -> None:
    secret = {
        "kind": "Secret",
        "data": {"url": base64.b64encode(b"redis://x").decode()},
        "stringData": {"token": "t"},
    }
    assert volumes.volume_files(secret) == {"url": b"redis://x", "token": b"t"}


def test_volume_files_rejects_keys_that_escape_the_volume() -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        volumes.volume_files({"kind": "ConfigMap", "data": {"../x": "1"}})
