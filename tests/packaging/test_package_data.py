"""What a wheel (and `make dist`) ships: every package-data pattern names real files, and
the demo project is among them, so an installed app can open it (Help > Open Demo)."""

from __future__ import annotations

import tomllib

from muzaic_studio.data import DEMO_PROJECT
from muzaic_studio.model import Project
from tests.packaging.conftest import ROOT


def package_data() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return pyproject["tool"]["setuptools"]["package-data"]["muzaic_studio"]


def test_every_package_data_pattern_ships_a_file():
    """A pattern matching nothing (the demo's "data/*.muzaic" once did) ships nothing."""
    package = ROOT / "muzaic_studio"
    for pattern in package_data():
        assert list(package.glob(pattern)), f"package-data {pattern!r} matches no file"


def test_the_demo_project_is_package_data_and_opens():
    package = ROOT / "muzaic_studio"
    shipped = {p.resolve() for pattern in package_data() for p in package.glob(pattern)}
    assert DEMO_PROJECT in shipped
    assert DEMO_PROJECT.is_relative_to(package.resolve())
    demo = Project.load(DEMO_PROJECT)
    assert len(demo.regions) >= 4 and demo.extra.get("note")
