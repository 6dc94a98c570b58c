"""What a place can come out as: a tuple's status, and a level's method on the way there."""
from __future__ import annotations

from addrmig.i18n import N_, _

#: A written tuple's status (``Resolution.row_status``, ``Resolution.tuples["status"]``),
#: from the best to the worst; the first three are resolved.
STATUSES = ("exact", "normalized", "fuzzy", "ambiguous", "unmatched", "missing")
RESOLVED = ("exact", "normalized", "fuzzy")
#: Each status as a person reads it (English: the status itself).
STATUS_LABELS = {"exact": N_("exact"), "normalized": N_("normalized"), "fuzzy": N_("fuzzy"),
                 "ambiguous": N_("ambiguous"), "unmatched": N_("unmatched"), "missing": N_("missing")}


def status_label(status: str) -> str:
    """``status`` in the current language (a status it does not know as it is)."""
    label = STATUS_LABELS.get(status)
    return _(label) if label else status

#: How one level of a tuple was decided, kept as a small integer code per tuple: not yet
#: (``""``), not in the database (``skip``), no resolved parent to search under
#: (``blocked``), empty where required (``missing``) or optional (``none``), then the
#: statuses proper.
METHODS = ("", "skip", "blocked", "missing", "none", "exact", "normalized", "fuzzy", "ambiguous", "unmatched")
METHOD = {name: code for code, name in enumerate(METHODS)}
RESOLVED_METHODS = [METHOD[name] for name in RESOLVED]
