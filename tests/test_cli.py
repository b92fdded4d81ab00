"""The console script."""

import subprocess
import sys

from chromalens.cli import main


def test_info_prints_versions_and_precision(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "chromalens" in out and "jax" in out and "float64" in out


def test_console_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "chromalens.cli", "info"],
                            capture_output=True, text=True, check=True)
    assert "devices" in result.stdout


def test_help_lists_the_workflow_commands(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("info", "demo", "fit", "simulate"):
        assert command in out
