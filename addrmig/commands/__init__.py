"""One module per CLI command: ``HELP``, ``add_arguments(parser)``, ``run(args) -> int``."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from addrmig.formatting import number
from addrmig.i18n import _, ngettext

if TYPE_CHECKING:
    from addrmig.export import RowVerdicts


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT, ``--sheet`` and ``--encoding``: how every command that reads a merchant file takes it."""
    parser.add_argument("input", metavar="INPUT", help=_("the merchant's export (CSV, TSV, XLSX, XLS, ODS, JSON, NDJSON)"))
    parser.add_argument("--sheet", default=None, help=_("sheet to read (default: the first sheet with address columns)"))
    parser.add_argument("--encoding", default=None, help=_("text encoding (default: detected), e.g. utf-8, cp1254"))


def verdicts_summary(verdicts: RowVerdicts, hint: str = "") -> str:
    """What Akinon would refuse and what addrmig only advises fixing, in two sentences."""
    refused = verdicts.refused_rows
    if refused:
        rules = int(verdicts.refused_by_rules.sum())
        places = int(verdicts.unknown_place.sum()) if verdicts.unknown_place is not None else 0
        line = ngettext("Akinon would refuse {n} row as they stand: {rules} with a missing or too long value, "
                        "{places} with a place its location database does not hold as written{hint}.",
                        "Akinon would refuse {n} rows as they stand: {rules} with a missing or too long value, "
                        "{places} with a place its location database does not hold as written{hint}.",
                        refused).format(n=number(refused), rules=number(rules), places=number(places), hint=hint)
    else:
        line = _("Akinon would accept every row as it stands.")
    if verdicts.advisory_rows:
        line += " " + ngettext("{n} more row has problems Akinon accepts but addrmig advises fixing (e-mail, phone, …).",
                               "{n} more rows have problems Akinon accepts but addrmig advises fixing (e-mail, phone, …).",
                               verdicts.advisory_rows).format(n=number(verdicts.advisory_rows))
    return line
