"""Shared fixtures: the repository's scenarios and the CLI binary the reports are compared with."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "scenarios"


def _kasim_binary() -> str:
    """The `kasim` CLI built by cargo: $KASIM_BIN, else $CARGO_TARGET_DIR or target/, debug
    then release."""
    given = os.environ.get("KASIM_BIN")
    if given:
        return given
    targets = [os.environ.get("CARGO_TARGET_DIR"), str(ROOT / "target")]
    for t in filter(None, targets):
        for profile in ("debug", "release"):
            p = pathlib.Path(t) / profile / "kasim"
            if p.is_file():
                return str(p)
    found = shutil.which("kasim")
    if found:
        return found
    pytest.fail("no kasim binary: run `cargo build -p kasim-cli` (or set KASIM_BIN)")


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI from the repository root and returns its stdout (exit code 0 required)."""
    binary = _kasim_binary()

    def run(*args: str) -> str:
        p = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return p.stdout

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    """The CLI's `--format json` output, parsed."""
    return lambda *args: json.loads(cli(*args, "--format", "json"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    """Tests run from the repository root, so relative file names match the CLI's."""
    monkeypatch.chdir(ROOT)
