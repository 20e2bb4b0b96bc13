"""``python -m modelmonitor``: the ``modelmonitor`` command, with its exit code."""

import sys

from modelmonitor.cli.main import main

if __name__ == "__main__":  # not when a tool imports every module (tests/stats/test_mergeable.py)
    sys.exit(main())
