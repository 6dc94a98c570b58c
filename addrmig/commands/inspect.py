"""``python -m addrmig inspect INPUT``: what addrmig sees in a file, before changing anything."""
from __future__ import annotations

import argparse

from addrmig.commands import add_input_arguments
from addrmig.fields import COLUMNS
from addrmig.formatting import number
from addrmig.i18n import N_, _
from addrmig.pipeline import Loaded, load

HELP = N_("Show how a file is read: format, encoding, delimiter, sheets, header row, column mapping, rows.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)


def run(args: argparse.Namespace) -> int:
    loaded = load(args.input, sheet=args.sheet, encoding=args.encoding)
    print(describe(loaded))
    return 1 if loaded.mapping.missing_required else 0


def describe(loaded: Loaded) -> str:
    """A plain-text report of how the file was read and mapped."""
    table, mapping = loaded.table, loaded.mapping
    lines = [_("file:        {name}").format(name=table.name), _("format:      {format}").format(format=table.format)]
    if table.encoding:
        lines.append(_("encoding:    {encoding}").format(encoding=table.encoding))
    if table.delimiter:
        lines.append(_("delimiter:   {delimiter}").format(delimiter=_show(table.delimiter)))
    if table.sheets:
        lines.append(_("sheet:       {sheet}   (sheets: {sheets})").format(sheet=table.sheet,
                                                                         sheets=", ".join(table.sheets)))
    lines.append(_("header row:  {row}").format(row=table.header_row if table.header_row else _("- (JSON keys)")))
    lines.append(_("rows:        {n}").format(n=number(table.rows)))
    lines.append("")
    lines.append(_("columns:"))
    width = max([len(h) for h in mapping.headers] + [6])
    for row in mapping.rows():
        target = row["field"] or "-"
        how = f"{row['confidence']:>3}% {row['method']}" if row["field"] else "  " + _("not used")
        fills = mapping.fills(row["source"])
        lines.append(f"  {row['source']:<{width}}  ->  {target:<13} {how}" + (f"   ({fills})" if fills else ""))
    derived = mapping.derived
    unused = [name for name in COLUMNS if name not in mapping.mapping.values() and name not in derived]
    lines.append("")
    lines.append(_("unknown columns:          {columns}").format(columns=", ".join(mapping.unknown) or "-"))
    lines.append(_("missing required fields:  {fields}").format(fields=", ".join(mapping.missing_required) or "-"))
    optional = [n for n in unused if n not in mapping.missing_required]
    lines.append(_("missing optional fields:  {fields} (left empty)").format(fields=", ".join(optional) or "-"))
    for source in dict.fromkeys(derived.values()):
        names = [name for name, header in derived.items() if header == source]
        where = _(" (where the text names them)") if mapping.mapping.get(source) == "line" else ""
        lines.append(_("filled from {source}:  {fields}{where}").format(source=source, fields=", ".join(names),
                                                                        where=where))
    if table.notes:
        lines.append("")
        lines.extend(_("note: {text}").format(text=note) for note in table.notes)
    if mapping.missing_required:
        lines.append("")
        lines.append(_("Required fields have no column: rename those columns in the file (or map them in the app)."))
    return "\n".join(lines)


def _show(delimiter: str) -> str:
    return {"\t": _("tab"), " ": _("space")}.get(delimiter, delimiter)
