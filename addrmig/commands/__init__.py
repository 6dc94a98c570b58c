"""One module per CLI command: ``HELP``, ``add_arguments(parser)``, ``run(args) -> int``."""
from __future__ import annotations

import argparse


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT, ``--sheet`` and ``--encoding``: how every command that reads a merchant file takes it."""
    parser.add_argument("input", metavar="INPUT", help="the merchant's export (CSV, TSV, XLSX, XLS, ODS, JSON, NDJSON)")
    parser.add_argument("--sheet", default=None, help="sheet to read (default: the first sheet with address columns)")
    parser.add_argument("--encoding", default=None, help="text encoding (default: detected), e.g. utf-8, cp1254")
