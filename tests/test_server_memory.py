"""A server's memory settings (limits.return_memory_promptly): Arrow on the C heap, unless told otherwise."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import pyarrow as pa
import addrmig
from addrmig.limits import return_memory_promptly
before = pa.default_memory_pool().backend_name
return_memory_promptly()
kept = pa.array(["çekmece"] * 3)  # allocated from the pool now in use, and readable
print(before, pa.default_memory_pool().backend_name, kept[0].as_py())
"""


def pools(**env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env={**environment, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_a_server_gives_arrow_the_c_heap_that_hands_freed_memory_back():
    before, after, value = pools()
    assert after == "system" and before != "system" and value == "çekmece"


def test_a_pool_chosen_in_the_environment_is_kept():
    assert pools(ARROW_DEFAULT_MEMORY_POOL="mimalloc")[:2] == ["mimalloc", "mimalloc"]
