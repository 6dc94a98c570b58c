"""``python -m addrmig convert INPUT -o OUTPUT``: any merchant file to Akinon's columns as CSV, XLSX or JSON."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addrmig.commands import add_input_arguments
from addrmig.errors import BadArguments
from addrmig.formatting import number
from addrmig.i18n import N_, _, ngettext
from addrmig.io import format_for_path, write_atomically, write_table
from addrmig.pipeline import load

HELP = N_("Read any export, map its columns to Akinon's fields and write CSV, XLSX or JSON (by OUTPUT's extension).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT", help=_("file to write: .csv, .xlsx or .json"))
    parser.add_argument("--bom", action="store_true", help=_("start a CSV output with a UTF-8 BOM (for Excel)"))


def run(args: argparse.Namespace) -> int:
    fmt = format_for_path(args.output)
    output = Path(args.output)
    if output.exists() and output.resolve() == Path(args.input).resolve():
        raise BadArguments(_("OUTPUT is the input file; choose another name so the original is kept."))
    loaded = load(args.input, sheet=args.sheet, encoding=args.encoding)
    data = write_table(loaded.frame, fmt, bom=args.bom)
    write_atomically(output, data)
    mapping = loaded.mapping
    print(ngettext("wrote {output} ({fmt}, {n} row) from {format} {name}",
                   "wrote {output} ({fmt}, {n} rows) from {format} {name}", len(loaded.frame))
          .format(output=output, fmt=fmt, n=number(len(loaded.frame)), format=loaded.table.format,
                  name=repr(loaded.table.name)), file=sys.stderr)
    if mapping.unknown:
        print(_("columns not used: {columns}").format(columns=", ".join(mapping.unknown)), file=sys.stderr)
    if mapping.missing_required:
        print(_("required fields with no column (written empty): {fields}")
              .format(fields=", ".join(mapping.missing_required)), file=sys.stderr)
        return 1
    return 0
