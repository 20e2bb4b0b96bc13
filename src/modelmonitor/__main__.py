"""``python -m modelmonitor``: the ``modelmonitor`` command, with its exit code."""

import sys

from modelmonitor.cli.main import main

sys.exit(main())
