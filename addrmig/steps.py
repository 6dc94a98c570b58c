"""The sidebar's five steps, each with whether it is done and a short status, read from a
:class:`~addrmig.workspace.Workspace` (never computing anything it has not computed)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from addrmig.formatting import number
from addrmig.i18n import N_, _, ngettext

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
    waiting_for_file = _("waiting for a file")
    out = []
    if not ws.has_file:
        out.append(_step("upload", "", _("no file yet")))
    elif empty:
        out.append(_step("upload", "⚠", _("the file has no address rows")))
    else:
        out.append(_step("upload", "✓", ngettext("{n} row", "{n} rows", ws.rows).format(n=number(ws.rows))))
    if empty:
        out.append(_step("check", "⚠", _("nothing to check")))
    elif ws.latest_report() is not None:
        verdicts = ws.verdicts(ws.latest_report())
        refused, advisory = verdicts.refused_rows, verdicts.advisory_rows
        if refused:
            out.append(_step("check", "⚠", ngettext("Akinon would refuse {n} row", "Akinon would refuse {n} rows",
                                                    refused).format(n=number(refused))))
        elif advisory:
            out.append(_step("check", "⚠", ngettext("{n} row worth fixing (Akinon accepts them)",
                                                    "{n} rows worth fixing (Akinon accepts them)",
                                                    advisory).format(n=number(advisory))))
        else:
            out.append(_step("check", "✓", _("Akinon will accept every row")))
    else:
        out.append(_step("check", "", _("not checked yet") if ws.has_file else waiting_for_file))
    resolution = ws.current_resolution()
    if empty:
        out.append(_step("places", "⚠", _("no places to match")))
    elif resolution is not None:
        summary = resolution.summary()
        waiting = summary["rows"] - summary["resolved"]
        if waiting:
            out.append(_step("places", "⚠", ngettext("{n} row waits for your choice", "{n} rows wait for your choice",
                                                     waiting).format(n=number(waiting))))
        else:
            out.append(_step("places", "✓", _("every place found")))
    else:
        out.append(_step("places", "", _("not matched yet") if ws.has_file else waiting_for_file))
    out.append(_step("export", "", _("nothing to export") if empty else
                     _("ready") if ws.has_file else waiting_for_file))
    if submission is None:
        out.append(_step("submit", "", _("not sent")))
    else:
        icon = "✓" if submission.finished else \
            "⚠" if submission.status in ("failed", "uncertain") or submission.interrupted else "…"
        out.append(_step("submit", icon, progress_text(submission)))
    return out


#: Each step's title.
TITLES = {"upload": N_("Upload"), "check": N_("Check & fix"), "places": N_("Places"), "export": N_("Export"),
          "submit": N_("Submit")}


def _step(key: str, icon: str, text: str) -> StepState:
    return StepState(key, _(TITLES[key]), icon, text)
