"""Files shipped inside the package (wheel and the PyInstaller folder alike).

The demo project lives here, not in the checkout's resources/, so an installed app can
open it (Help > Open Demo) as well as `make run` and the tests.
"""

from __future__ import annotations

from pathlib import Path

DEMO_PROJECT = Path(__file__).resolve().with_name("demo.muzaic")
