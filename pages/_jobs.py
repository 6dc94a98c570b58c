"""A file built in a worker process (``addrmig.jobs``) on a page: the button that starts it,
its progress while the page goes on answering, then the download of the file from disk.

Small files (under ``jobs.worker_rows()`` rows) are built when the download is asked for,
as before: quicker than a worker for them.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from addrmig.formatting import in_language, percent
from addrmig.i18n import _

if TYPE_CHECKING:
    from addrmig.jobs import Build, JobFolder

POLL_SECONDS = 0.25


def job_folder() -> JobFolder:
    """This session's folder of built files: it goes with the session (``jobs.JobFolder``)."""
    folder = st.session_state.get("job_folder")
    if folder is None:
        from addrmig.jobs import JobFolder

        folder = st.session_state["job_folder"] = JobFolder()
    return folder


def download(label: str, *, name: str, key: object, rows: int, file_name: str, mime: str,
             build: Callable[[], Build], small: Callable[[], bytes], primary: bool = False,
             disabled: bool = False) -> None:
    """A download button for ``file_name``. ``rows`` under ``jobs.worker_rows()``: ``small()`` makes
    the bytes on click. Else a button starts ``build()`` in a worker process (``name`` is
    the widget's and the job's name, ``key`` what the file is built from: a new key makes
    a new file), the progress shows, and the finished file is downloaded from disk."""
    from addrmig.jobs import worker_rows

    kind = "primary" if primary else "secondary"
    if rows < worker_rows() or disabled:
        st.download_button(label, small, file_name=file_name, mime=mime, key=name, on_click="ignore", type=kind,
                           disabled=disabled)
        return
    folder = job_folder()
    job = folder.current(name, key)
    if job is None:
        if not st.button(_("Prepare: {label}").format(label=label), key=f"{name}_prepare", type=kind,
                         help=_("The file is built on the server while you go on; the download follows.")):
            return
        job = folder.start(name, key, file_name, build())
        job.wait(1.0)  # a quick one is ready at once

    # Waited for here, the bar moving: the worker does the work, this thread only sleeps, and a
    # click elsewhere interrupts the wait (Streamlit stops a script at its next element).
    state = job.status()
    if state.running:
        bar = st.progress(state.share, text=_("Building {file}…").format(file=file_name))
        while (state := job.status()).running:
            bar.progress(state.share, text=_("Building {file}… {share}").format(file=file_name,
                                                                              share=percent(state.share, 0)))
            time.sleep(POLL_SECONDS)
        bar.empty()
    if state.state == "failed":
        st.error(state.message)
        if st.button(_("Try again"), key=f"{name}_retry"):
            folder.start(name, key, file_name, build())
            st.rerun()
        return
    path = state.path
    st.download_button(label, lambda: path.read_bytes(), file_name=file_name, mime=mime, key=name,
                       on_click="ignore", type=kind)
    st.caption(_("Built in {seconds} s.").format(seconds=in_language(f"{state.seconds:.1f}")))
