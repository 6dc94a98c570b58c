"""The whole command-line flow against the sandbox: what `fix` says Akinon would refuse is
exactly what the migration then counts as errors."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addrmig", *args], capture_output=True, text=True,
                          timeout=120)


def submitted_errors(sandbox, path: Path) -> int:
    done = cli("submit", str(path), "--url", sandbox.url, "--channel", "1", "--token", sandbox.token,
               "--wait", "--poll", "0.2")
    assert done.returncode in (0, 1), done.stderr
    found = re.search(r"finished: processed (\d+) of (\d+), (\d+) errors", done.stdout)
    assert found and found[1] == found[2], done.stdout
    return int(found[3])


def test_fixed_dev_file_fails_on_akinon_exactly_where_fix_said_it_would(sandbox, tmp_path):
    fixed = tmp_path / "fixed.csv"
    run = cli("fix", str(FIXTURES / "addresses_dev.csv"), "-o", str(fixed))
    assert run.returncode == 1, run.stderr
    refused = re.search(r"Akinon would refuse ([\d,]+) rows", run.stdout)
    assert refused, run.stdout
    expected = int(refused[1].replace(",", ""))

    assert submitted_errors(sandbox, fixed) == expected
    assert submitted_errors(sandbox, FIXTURES / "addresses_dev.csv") > 5 * expected
