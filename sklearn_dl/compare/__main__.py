"""``python -m sklearn_dl.compare``: run the comparison from the command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
