"""A server's memory settings (limits.return_memory_promptly): Arrow on the C heap, unless told otherwise."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from addrmig import limits

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


def _reads_an_upload_then_lets_go_of_it():
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from pages._common import let_go_of_upload

    uploaded = st.file_uploader("file", key="file")
    if uploaded is not None and "read" not in st.session_state:
        ctx = get_script_run_ctx()
        st.session_state["read"] = uploaded.getvalue()
        st.session_state["held before"] = len(ctx.uploaded_file_mgr.get_files(ctx.session_id, [uploaded.file_id]))
        let_go_of_upload(uploaded.file_id)
        st.session_state["held after"] = len(ctx.uploaded_file_mgr.get_files(ctx.session_id, [uploaded.file_id]))


def test_an_uploaded_file_is_let_go_of_by_streamlit_once_the_page_has_read_it():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_reads_an_upload_then_lets_go_of_it, default_timeout=30)
    at.run()
    at.file_uploader(key="file").upload("adresler.csv", "il;ilçe\nİstanbul;Şişli\n".encode(), "text/csv")
    at.run()
    assert not at.exception
    assert at.session_state["read"] == "il;ilçe\nİstanbul;Şişli\n".encode()
    assert at.session_state["held before"] == 1 and at.session_state["held after"] == 0


FREED = """
import sys
import numpy as np
import addrmig
from addrmig import limits
if sys.argv[1] == "server":
    limits.return_memory_promptly()
def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
before = resident()
for _ in range(4):  # a big file's column, made and dropped again and again
    column = np.ones(24 << 20, dtype=np.uint8)
    del column
print(resident() - before)
"""


def held_after_freeing(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", FREED, mode], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not limits._libc(),
                    reason="glibc's allocator settings, read through /proc")
def test_a_server_gives_a_freed_big_block_back_to_the_system_where_a_plain_process_keeps_it():
    assert held_after_freeing("server") < 4 << 20
    # The same work without the setting: glibc serves the blocks after the first from its heap
    # and keeps them (what the setting is for, and what this test would see if it were lost).
    assert held_after_freeing("plain") >= 16 << 20
