"""``python -m monitoring``: the same command line as the `monitoring` console script."""

from __future__ import annotations

import sys

from monitoring.cli.main import main

if __name__ == "__main__":  # a spawned worker imports this module as __mp_main__: no rerun
    sys.exit(main())
