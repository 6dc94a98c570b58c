"""The tools that keep the code's shape: lint, import layers, dead code, packaging.

Each runs the real tool over the working tree, so CI fails when a change breaks a rule;
the rules themselves live in ``pyproject.toml``.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 600


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers_hold():
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_dead_code():
    result = run("vulture")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_no_module_of_the_library_is_over_the_size_limit():
    long = {str(path.relative_to(ROOT)): n for path in (ROOT / "addrmig").rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"split these modules (over {MAX_MODULE_LINES} lines): {long}"


def test_no_single_letter_attribute_names_in_the_library():
    found = []
    for path in (ROOT / "addrmig").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bself\.[A-Za-z]\b(?!\w)", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_package_declares_what_requirements_txt_installs():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    listed = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert sorted(declared) == sorted(listed)


def test_pip_install_gives_a_working_addrmig_command(tmp_path):
    """``pip install .`` installs an ``addrmig`` command that runs, with the bundled location
    database (dependencies come from this environment: the check is the packaging)."""
    # From a copy: a build leaves build/ and *.egg-info behind.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "test-output", "__pycache__",
                                                                  "build", "*.egg-info", ".pytest_cache"))
    prefix = tmp_path / "prefix"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--prefix", str(prefix),
                              str(source)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    site = next(prefix.glob("lib/python*/site-packages"))
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([str(prefix / "bin" / "addrmig"), "--help"], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "inspect" in result.stdout and "submit" in result.stdout
    shipped = subprocess.run([sys.executable, "-c", "import addrmig, sys; from addrmig.locations.db import LocationDB; "
                              "from addrmig.storage.migrate import head; "
                              "print(addrmig.__file__); print(len(LocationDB.bundled().frame)); print(head())"],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    where, count, schema = shipped.stdout.split()
    assert where.startswith(str(site)) and count == "73305", shipped.stderr
    assert schema != "None", "the database migrations are not in the package"
