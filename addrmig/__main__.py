import os
import sys

from addrmig import cli

code = cli.main()
if cli.exit_without_cleanup:
    # Everything is written and closed; skip tearing down the objects of a big file.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
