"""Entry script of the PyInstaller build: the same `main` as the `muzaic-studio` command.

A file outside the package because PyInstaller runs its entry script as ``__main__``;
importing the CLI from here keeps every module inside ``muzaic_studio`` importable the
normal way in the frozen app.
"""

import multiprocessing
import sys

from muzaic_studio.cli import main

if __name__ == "__main__":
    # A no-op unless something starts processes with the spawn method; then the frozen
    # child must run the worker, not the app.
    multiprocessing.freeze_support()
    sys.exit(main())
