"""The .desktop entry, the AppStream metainfo and the .muzaic MIME type."""

from __future__ import annotations

import configparser
import subprocess
import tomllib
import xml.etree.ElementTree as ET

from muzaic_studio.model import Project
from tests.packaging.conftest import DESKTOP, METAINFO, MIME_XML, ROOT, require_tool

MIME_TYPE = "application/x-muzaic-project"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_validates():
    tool = require_tool("desktop-file-validate")
    proc = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_desktop_file_opens_projects_with_the_cli_entry_point():
    entry = desktop_entry()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    program, *args = entry["Exec"].split()
    assert program in scripts and args == ["%f"]
    assert entry["MimeType"].rstrip(";").split(";") == [MIME_TYPE]
    assert entry["Icon"] == "muzaic-studio"
    assert (ROOT / "resources" / "icons" / f"{entry['Icon']}.svg").is_file()
    assert entry["Terminal"] == "false"


def test_metainfo_validates_pedantic_without_warnings():
    tool = require_tool("appstreamcli")
    proc = subprocess.run(
        [tool, "validate", "--no-net", "--pedantic", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    # Errors and warnings fail; infos/pedantic hints from an older appstream are listed
    # (e.g. 0.16 does not know the newer <developer> tag) but do not.
    bad = [ln for ln in out.splitlines() if ln.strip().startswith(("E:", "W:"))]
    assert not bad, out


def test_metainfo_matches_desktop_file_and_mime_type():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/mediatype") == MIME_TYPE
    assert root.findtext("provides/binary") == desktop_entry()["Exec"].split()[0]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert root.find("releases/release").get("version") == version


def test_mime_xml_maps_muzaic_files():
    root = ET.parse(MIME_XML).getroot()  # well-formed, or this raises
    assert root.tag == f"{MIME_NS}mime-info"
    [mime] = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*.muzaic"]
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"


def test_mime_magic_matches_saved_projects():
    """The content rule finds the format marker where the model writes it.

    Unknown keys (like the demo's "note") are written back before "format", so the
    marker can sit a few hundred bytes in; the rule searches the first 4000 bytes
    (a sniffing buffer is 4 KiB in GIO).
    """
    root = ET.parse(MIME_XML).getroot()
    matches = root.findall(f".//{MIME_NS}match")
    assert matches and {m.get("offset") for m in matches} == {"0:4000"}
    demo = Project.load(ROOT / "muzaic_studio" / "data" / "demo.muzaic")
    for text in (Project().to_json(), demo.to_json()):
        head = text[:4000]
        assert any(m.get("value") in head for m in matches), head[:300]


def test_mime_database_registers_the_glob(tmp_path):
    tool = require_tool("update-mime-database")
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    (packages / "muzaic-studio.xml").write_bytes(MIME_XML.read_bytes())
    proc = subprocess.run([tool, str(tmp_path / "mime")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    globs = (tmp_path / "mime" / "globs2").read_text()
    assert f"{MIME_TYPE}:*.muzaic" in globs
    assert (tmp_path / "mime" / "application" / "x-muzaic-project.xml").is_file()
