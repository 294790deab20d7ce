"""`muzaic-studio`: the editor by default, and headless commands for scripts and CI.

    muzaic-studio [PROJECT]                       open the editor
    muzaic-studio render PROJECT -o OUT.mp3 ...    render, write the MP3, store the hashes
    muzaic-studio validate PROJECT                 print the request body, or the problems
    muzaic-studio tags | account                   tag catalogue / token balance
    muzaic-studio key set|clear|status             the API key in the system keyring
    muzaic-studio settings [NAME [VALUE]]          the saved settings the editor uses too
    muzaic-studio serve ...                        the offline engine as a loopback server

The backend options follow one order, as in the editor: flag > environment
(MUZAIC_BACKEND, MUZAIC_API_URL, MUZAIC_ORIGIN) > saved setting > default.

Exit codes: 0 ok, 1 other failure, 2 invalid input, 3 API key or tokens, 4 network or
server, 130 interrupted. A failure prints one line on stderr, never a traceback (set
MUZAIC_STUDIO_DEBUG=1 to get one).

Only argparse and the standard library load at start-up: opening the editor is timed, so
requests, numpy, the engine and Qt are imported by the command that needs them.

This module parses and dispatches; the commands live in render.py (render, validate) and
account.py (tags, account, key), settings.py (settings), what they share in common.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from muzaic_studio import __version__
from muzaic_studio.cli.account import cmd_account, cmd_key, cmd_tags
from muzaic_studio.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OTHER,
    PROG,
    err,
    exit_code_for,
)
from muzaic_studio.cli.render import cmd_render, cmd_validate
from muzaic_studio.cli.settings import add_settings_parser, cmd_settings

COMMANDS = ("render", "validate", "tags", "account", "key", "settings", "serve")


# -- parsers -------------------------------------------------------------------------------
def _add_backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--api-url",
        metavar="URL",
        help="Muzaic API address (default: $MUZAIC_API_URL, else the address saved in the "
        "editor's Preferences, else https://m10.muzaic.ai); setting it means the cloud, so "
        "a missing key is an error",
    )
    p.add_argument(
        "--origin",
        metavar="ORIGIN",
        help="send to /soundtrack/ORIGIN (default: $MUZAIC_ORIGIN, else the saved origin)",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="use the offline engine (default: $MUZAIC_BACKEND, else the backend saved in "
        "the editor's Preferences, else the cloud when an API key is set)",
    )


def build_parser(with_serve_options: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [-h] [--version] [PROJECT]\n       {PROG} COMMAND [options]",
        description="Score a timeline with music from the Muzaic API. Without a command, "
        "opens the editor (on PROJECT if given).",
        epilog="Exit codes: 0 ok, 1 other, 2 invalid input, 3 API key or tokens, "
        "4 network or server. `muzaic-studio COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", prog=PROG)

    p = sub.add_parser(
        "render",
        help="render a project to MP3 and store the region hashes in it",
        description="Validate PROJECT, render it (Muzaic cloud with your key, or the offline "
        "engine), write the MP3 atomically, and store the region hashes back into PROJECT.",
    )
    p.add_argument("project", metavar="PROJECT", help="a .muzaic project file")
    p.add_argument("-o", "--output", metavar="OUT.mp3", required=True, help="MP3 file to write")
    p.add_argument("--wav", metavar="OUT.wav", help="also write a WAV file")
    p.add_argument(
        "--changes-only",
        action="store_true",
        help="send unchanged regions as copies of their last hash (no tokens for them)",
    )
    p.add_argument(
        "--no-save",
        action="store_true",
        help="do not write the region hashes back into PROJECT",
    )
    p.add_argument(
        "--render-sources",
        action="store_true",
        help="a copy of a hash another backend made: link it to the region that made it and "
        "render that region on this backend first",
    )
    _add_backend_options(p)

    p = sub.add_parser(
        "validate",
        help="print the exact request body, or the problems",
        description="Print the JSON body `render` would send for PROJECT (exit 0), or every "
        "problem, naming the region and field (exit 2).",
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--changes-only", action="store_true", help="the body of a changes-only render")

    for name, text in (("tags", "list the tag catalogue"), ("account", "show the token balance")):
        p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        p.add_argument("--json", action="store_true", help="print the server's JSON")
        _add_backend_options(p)

    p = sub.add_parser(
        "key",
        help="manage the API key in the system keyring",
        description="The Muzaic API key lives in the system keyring (service "
        "'muzaic-studio'); MUZAIC_API_KEY in the environment overrides it.",
    )
    key_sub = p.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    key_sub.add_parser(
        "set",
        help="store a key (read from a hidden prompt, or stdin when piped)",
        description="Store the API key. It is read from a hidden prompt, or from stdin when "
        'stdin is not a terminal (`printf %%s "$KEY" | muzaic-studio key set`); never '
        "from the command line, where other users and the shell history could see it.",
    )
    key_sub.add_parser("clear", help="remove the stored key", description="Remove the stored key.")
    key_sub.add_parser(
        "status",
        help="where the key comes from (exit 3 when there is none)",
        description="Say where the key comes from, showing at most its last 4 characters.",
    )

    add_settings_parser(sub)

    p = sub.add_parser(
        "serve",
        help="run the offline engine as a Muzaic API server on 127.0.0.1",
        description="Serve the Muzaic API contract from the offline engine on this machine.",
    )
    if with_serve_options:
        from muzaic_studio.engine.server import add_serve_arguments

        add_serve_arguments(p)
    return parser


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, add_help=False)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("project", nargs="?", metavar="PROJECT")
    return parser


# -- commands --------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from muzaic_studio.engine.server import run_serve

    return int(run_serve(args) or 0)


def run_gui(project: str | None) -> int:
    if project is not None and not Path(project).is_file():
        # Said here for a terminal, and by the window (a launcher has no terminal).
        err(f"No project file at {project}.")
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        err(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the editor cannot "
            f"open. Headless, use `{PROG} render PROJECT -o out.mp3`."
        )
        return EXIT_OTHER
    try:
        from muzaic_studio.ui.app import run
    except ImportError as exc:
        err(
            f"The editor cannot start: {exc}. Headless commands still work "
            f"(`{PROG} --help`); on Debian/Ubuntu run `bash scripts/debian-deps.sh` for Qt's "
            "libraries."
        )
        return EXIT_OTHER
    return int(run(project) or 0)


HANDLERS = {
    "render": cmd_render,
    "validate": cmd_validate,
    "tags": cmd_tags,
    "account": cmd_account,
    "key": cmd_key,
    "settings": cmd_settings,
    "serve": cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        if "-h" in argv or "--help" in argv:
            build_parser().print_help()
            return EXIT_OK
        args = _gui_parser().parse_args(argv)
        return run_gui(args.project)
    try:
        parser = build_parser(with_serve_options=argv[0] == "serve")
    except ImportError as exc:
        err(f"`serve` needs the offline engine, which this installation lacks ({exc}).")
        return EXIT_OTHER
    args = parser.parse_args(argv)
    from muzaic_studio.logging_setup import setup_logging

    setup_logging(console=args.command == "serve")
    try:
        return HANDLERS[args.command](args)
    except KeyboardInterrupt:
        err("Interrupted.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `muzaic-studio validate x | head`: the reader left; not an error of ours.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (so the exit flush stays quiet)
        return EXIT_OK
    except Exception as exc:
        known = exit_code_for(exc)
        if os.environ.get("MUZAIC_STUDIO_DEBUG"):
            raise
        if known is None:
            err(f"Unexpected error ({type(exc).__name__}): {exc}")
            return EXIT_OTHER
        code, message = known
        err(message)
        return code


if __name__ == "__main__":
    sys.exit(main())
