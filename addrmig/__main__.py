import sys

from addrmig.cli import main

sys.exit(main())
