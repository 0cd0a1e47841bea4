"""Starts the Gatehouse worker without installing anything and without PYTHONPATH:

    python3 -I <gatehouse>/python/worker.py <app dir> <entry>

Isolated mode (-I) ignores PYTHON* variables and the user's site-packages and puts neither the current
directory nor this script's on the path (3.11's -P); this script adds its own directory, so ``gatehouse``
imports from here and nowhere else. Same arguments and behaviour as ``python3 -m gatehouse._worker``
(``--check-requirements`` too).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from gatehouse._worker import main  # noqa: E402 (needs the path above)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
