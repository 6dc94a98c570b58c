"""``python -m addrmig COMMAND``: one command per step, the same functions as the pages.

Each command lives in ``addrmig/commands/<name>.py`` and exposes ``HELP`` (one
line), ``add_arguments(parser)`` and ``run(args) -> int``. Exit codes everywhere:
0 done and clean, 1 done but problems remain, 2 could not do it. Errors reach the
user as one or two lines on stderr, never as a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from addrmig.errors import AddrmigError
from addrmig.i18n import LANGUAGES, N_, _, language, language_from_environment, set_language

COMMANDS = ("inspect", "convert", "validate", "fix", "submit", "progress", "history", "sandbox", "db")
#: Set by :func:`main` when the command run holds nothing that needs closing at exit (its
#: module says ``FAST_EXIT = True``): the process may then end without freeing a million
#: rows' worth of objects one by one.
exit_without_cleanup = False


#: What argparse itself says to a person (it asks ``argparse._`` for each): in the catalog too,
#: so that usage lines, help headings and argument errors follow the language.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"), N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"), N_("expected one argument"),
    N_("expected at most one argument"), N_("expected at least one argument"),
    N_("invalid %(type)s value: %(value)r"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
)


def _argparse_words(message: str) -> str:
    """One of argparse's messages in the current language (those not in the catalog as they are)."""
    return _(message) if message in ARGPARSE_MESSAGES else message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its usage line short
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with every command, or only with ``command`` (the one asked
    for: the others' modules, such as the Akinon client and its database, are then not
    imported, which a run of ``fix`` or ``validate`` would otherwise wait for)."""
    parser = _Parser(prog="python -m addrmig",
                     description=_("Get a legacy address export into Akinon Commerce."))
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help=_("language of messages and reports (default: from LANG / LC_ALL; English unless "
                               "Turkish)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS if command is None else [command]:
        module = importlib.import_module(f"addrmig.commands.{name}")
        command = sub.add_parser(name, help=_(module.HELP), description=_(module.HELP))
        module.add_arguments(command)
        command.set_defaults(_run=module.run, _fast_exit=getattr(module, "FAST_EXIT", False))
    return parser


def _command_asked(argv: list[str]) -> str | None:
    """The command named by the arguments (the first one not an option or ``--lang``'s value),
    when it is one of :data:`COMMANDS`; else None (the help or argparse's error lists them all)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def _language_asked(argv: list[str]) -> str | None:
    """``--lang X`` or ``--lang=X`` among the arguments (read before the parser is built, so that
    its help speaks the language too)."""
    for position, arg in enumerate(argv):
        if arg == "--lang" and position + 1 < len(argv):
            return argv[position + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    """Run one command in the language asked for (``--lang``, else the environment's); the
    language before is the current one again afterwards."""
    before = language()
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    finally:
        set_language(before)


def _main(arguments: list[str]) -> int:
    set_language(_language_asked(arguments) or language_from_environment(os.environ))
    argparse._ = _argparse_words  # argparse's own words in the language too (English: as they are)
    parser = build_parser(_command_asked(arguments))
    args = parser.parse_args(arguments)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    global exit_without_cleanup
    exit_without_cleanup = bool(args._fast_exit)
    try:
        return int(args._run(args))
    except AddrmigError as error:
        print(_("error: {error}").format(error=error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 2
    except MemoryError:
        print(_("error: not enough memory for this file; split it into smaller files and try again."),
              file=sys.stderr)
        return 2
    except OSError as error:  # disk full, permission denied, missing file…
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        print(_("error: {error}").format(error=f"{error.strerror or error}{where}"), file=sys.stderr)
        return 2


def console() -> None:
    """The ``addrmig`` command (``python -m addrmig`` too): run :func:`main` and exit with its code."""
    code = main()
    if exit_without_cleanup:
        # Everything is written and closed; skip tearing down the objects of a big file.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
