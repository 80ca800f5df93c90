"""``python -m observe.supervisor``: see :mod:`observe.supervisor.main`."""

import sys

from observe.supervisor.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
