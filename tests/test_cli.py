"""The command line itself: which command runs, what it loads."""
def test_only_the_command_asked_for_is_loaded_and_the_help_still_lists_every_command():
    import subprocess
    import sys

    from addrmig import cli

    assert cli._command_asked(["--lang", "tr", "fix", "in.csv", "-o", "x.csv"]) == "fix"
    assert cli._command_asked(["--lang=tr", "validate", "in.csv"]) == "validate"
    assert cli._command_asked(["--help"]) is None and cli._command_asked(["fxi"]) is None
    code = ("import sys; from addrmig import cli; cli.build_parser('validate'); "
            "print('addrmig.akinon.client' in sys.modules, 'addrmig.commands.submit' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.split() == ["False", "False"]  # validate does not wait for the Akinon client
    listed = cli.build_parser().format_help()
    assert all(name in listed for name in cli.COMMANDS)
