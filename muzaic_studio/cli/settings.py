"""`muzaic-studio settings`: read and change the settings the editor saves.

The same declared settings and file as the editor's Preferences (muzaic_studio.settings),
so a script or a headless machine can choose the backend, address or origin once, and a
setting the editor has no field for (`autosave.interval_seconds`) can be changed without
editing JSON. The API key is not a setting: `muzaic-studio key set`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from muzaic_studio.cli.common import EXIT_INVALID, EXIT_OK, CliError


def add_settings_parser(sub: Any) -> None:
    p = sub.add_parser(
        "settings",
        help="show or change the saved settings (backend, API address, origin, ...)",
        description="Without NAME, list every setting with its value and where it comes "
        "from (environment, saved, default). With NAME, show it; with NAME VALUE, save it "
        "(a list setting takes a JSON array; an optional one takes 'none'). Command-line "
        "flags and environment variables still win over a saved value.",
    )
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("value", nargs="?", metavar="VALUE")
    p.add_argument("--reset", action="store_true", help="forget NAME's saved value")
    p.add_argument("--json", action="store_true", help="print the list as JSON")


def cmd_settings(args: argparse.Namespace) -> int:
    from muzaic_studio import settings

    if args.name is None:
        if args.reset or args.value is not None:
            raise CliError("Name the setting to change.", EXIT_INVALID)
        return _list(settings.load(), args.json)
    setting = settings.SETTINGS.get(args.name)
    if setting is None:
        names = ", ".join(settings.SETTINGS)
        raise CliError(f"No setting named {args.name!r}; the settings are: {names}.", EXIT_INVALID)
    if args.reset:
        if args.value is not None:
            raise CliError("--reset takes no VALUE.", EXIT_INVALID)
        settings.save({setting: None})
    elif args.value is not None:
        try:
            settings.save({setting: _value(setting, args.value)})
        except settings.SettingError as exc:
            raise CliError(f"{exc}.", EXIT_INVALID) from None
    got = settings.resolve(setting, settings.load())
    print(f"{setting.name} = {json.dumps(got.value, ensure_ascii=False)}  ({got.describe()})")
    if args.value is None and not args.reset:
        print(f"  {setting.doc}" + (f" Environment: ${setting.env}." if setting.env else ""))
    elif got.source == "env":
        print(f"  ${setting.env} wins over the saved value in this environment.")
    return EXIT_OK


def _value(setting: Any, text: str) -> Any:
    """The command line's text as the setting's value (JSON for a list, 'none' for None)."""
    if setting.optional and text.strip().lower() in ("none", ""):
        return None
    if setting.type is list:
        try:
            return json.loads(text)
        except ValueError:
            return text  # one item
    return text


def _list(saved: Any, as_json: bool) -> int:
    from muzaic_studio import settings

    rows = {name: settings.resolve(s, saved) for name, s in settings.SETTINGS.items()}
    if as_json:
        data = {n: {"value": r.value, "source": r.source} for n, r in rows.items()}
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(map(len, rows))
    for name, r in rows.items():
        value = json.dumps(r.value, ensure_ascii=False)
        source = f"${r.detail}" if r.source == "env" else r.source
        print(f"{name:<{width}}  {value}  ({source})")
    print(f"Saved in {settings.settings_path()}.")
    return EXIT_OK
