"""`python -m muzaic_studio`: the same entry point as the `muzaic-studio` command."""

import sys

from muzaic_studio.cli import main

sys.exit(main())
