"""The sidebar's five steps, each with whether it is done and a short status, read from a
:class:`~addrmig.workspace.Workspace` (never computing anything it has not computed)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from addrmig.formatting import plural

if TYPE_CHECKING:
    from addrmig.history import Submission
    from addrmig.workspace import Workspace


@dataclass
class StepState:
    """A line in the sidebar: the step, whether it is done, and a short status."""

    key: str
    title: str
    icon: str  # "✓", "⚠", "…" or ""
    text: str


def sidebar_steps(ws: Workspace, submission: Submission | None) -> list[StepState]:
    """The five steps of ``ws`` with a short status each, for the sidebar. ``submission`` is
    the latest reading of the one being watched (the store's copy), or None."""
    from addrmig.akinon.flow import progress_text

    empty = ws.has_file and ws.rows == 0
    out = []
    if not ws.has_file:
        out.append(StepState("upload", "Upload", "", "no file yet"))
    elif empty:
        out.append(StepState("upload", "Upload", "⚠", "the file has no address rows"))
    else:
        out.append(StepState("upload", "Upload", "✓", plural(ws.rows, "row")))
    if empty:
        out.append(StepState("check", "Check & fix", "⚠", "nothing to check"))
    elif ws.latest_report() is not None:
        verdicts = ws.verdicts(ws.latest_report())
        refused, advisory = verdicts.refused_rows, verdicts.advisory_rows
        if refused:
            out.append(StepState("check", "Check & fix", "⚠", f"Akinon would refuse {plural(refused, 'row')}"))
        elif advisory:
            out.append(StepState("check", "Check & fix", "⚠",
                                 f"{plural(advisory, 'row')} worth fixing (Akinon accepts them)"))
        else:
            out.append(StepState("check", "Check & fix", "✓", "Akinon will accept every row"))
    else:
        out.append(StepState("check", "Check & fix", "", "not checked yet" if ws.has_file else "waiting for a file"))
    resolution = ws.current_resolution()
    if empty:
        out.append(StepState("places", "Places", "⚠", "no places to match"))
    elif resolution is not None:
        summary = resolution.summary()
        waiting = summary["rows"] - summary["resolved"]
        if waiting:
            out.append(StepState("places", "Places", "⚠", f"{plural(waiting, 'row')} "
                                                            f"{'waits' if waiting == 1 else 'wait'} for your choice"))
        else:
            out.append(StepState("places", "Places", "✓", "every place found"))
    else:
        out.append(StepState("places", "Places", "", "not matched yet" if ws.has_file else "waiting for a file"))
    out.append(StepState("export", "Export", "", "nothing to export" if empty else
                         "ready" if ws.has_file else "waiting for a file"))
    if submission is None:
        out.append(StepState("submit", "Submit", "", "not sent"))
    else:
        icon = "✓" if submission.finished else \
            "⚠" if submission.status in ("failed", "uncertain") or submission.interrupted else "…"
        out.append(StepState("submit", "Submit", icon, progress_text(submission)))
    return out
