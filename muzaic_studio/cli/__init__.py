"""`muzaic-studio`: the editor by default, and headless commands for scripts and CI.

    muzaic-studio [PROJECT]                       open the editor
    muzaic-studio render PROJECT -o OUT.mp3 ...    render, write the MP3, store the hashes
    muzaic-studio validate PROJECT                 print the request body, or the problems
    muzaic-studio tags | account                   tag catalogue / token balance
    muzaic-studio key set|clear|status             the API key in the system keyring
    muzaic-studio serve ...                        the offline engine as a loopback server

Exit codes: 0 ok, 1 other failure, 2 invalid input, 3 API key or tokens, 4 network or
server, 130 interrupted. A failure prints one line on stderr, never a traceback (set
MUZAIC_STUDIO_DEBUG=1 to get one).

Only argparse and the standard library load at start-up: opening the editor is timed, so
requests, numpy, the engine and Qt are imported by the command that needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from muzaic_studio import __version__
from muzaic_studio.wording import plural

PROG = "muzaic-studio"
COMMANDS = ("render", "validate", "tags", "account", "key", "serve")

EXIT_OK, EXIT_OTHER, EXIT_INVALID, EXIT_AUTH, EXIT_NETWORK, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class CliError(Exception):
    """A failure with its exit code; the message is the one line the user reads."""

    def __init__(self, message: str, code: int = EXIT_OTHER) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# -- parsers -------------------------------------------------------------------------------
def _add_backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--api-url",
        metavar="URL",
        help="Muzaic API address (default: $MUZAIC_API_URL or https://m10.muzaic.ai); "
        "setting it means the cloud, so a missing key is an error",
    )
    p.add_argument("--origin", metavar="ORIGIN", help="send to /soundtrack/ORIGIN")
    p.add_argument(
        "--offline",
        action="store_true",
        help="use the offline engine (the default when no API key is set)",
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


# -- output helpers ------------------------------------------------------------------------
def _err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _load(path: str):
    from muzaic_studio.model import Project, ProjectError

    try:
        return Project.load(path)
    except ProjectError as exc:
        raise CliError(str(exc), EXIT_INVALID) from None


def _backend(args: argparse.Namespace):
    from muzaic_studio.backends import choose_backend

    offline: bool | None = True if args.offline else None
    if not args.offline and (args.api_url or args.origin):
        offline = False  # an explicit server means the cloud: no silent fallback
    if args.offline and (args.api_url or args.origin):
        raise CliError("--offline cannot be combined with --api-url or --origin.", EXIT_INVALID)
    backend, why = choose_backend(offline, args.api_url, args.origin)
    if offline is None and getattr(backend, "name", "") != "cloud":
        print(why, file=sys.stderr)  # the automatic fallback is worth a note; --offline is not
    return backend


# -- commands --------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from muzaic_studio.render import Blocked, UnsendableRequest, prepare

    project = _load(args.project)
    # No backend here: tag ids as saved, and copy sources without a hash are what a render
    # would send first.
    try:
        job = prepare(project, only_changes=args.changes_only, origin="", resolve_tags=False)
    except Blocked as exc:
        raise CliError(f"{args.project}: {exc.message}", EXIT_INVALID) from None
    except UnsendableRequest as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        raise CliError(
            f"{args.project}: {plural(len(exc.problems), 'problem')}; nothing would be sent.",
            EXIT_INVALID,
        ) from None
    print(json.dumps(job.body, indent=2, ensure_ascii=False))
    if job.first:
        print(f"This is the first of two requests: {job.note}.", file=sys.stderr)
    return EXIT_OK


def _to_mp3(audio_path: Path) -> bytes:
    """The render's audio as MP3 bytes (a server may send WAV)."""
    if audio_path.suffix.lower() == ".mp3":
        return audio_path.read_bytes()
    from muzaic_studio.audio.ffmpeg import run_ffmpeg

    return run_ffmpeg(
        ["-i", str(audio_path), "-c:a", "libmp3lame", "-b:a", "192k", "-f", "mp3", "pipe:1"],
        timeout=600,
    )


def _write_wav(mp3_path: Path, out: Path, regions: Any = ()) -> None:
    """The audio layer's export from the written MP3, atomic, sized headers, with the
    project's client-side mix (gains, fades, transitions) applied like the editor's export.
    The MP3 itself stays the render as paid for: the editor mixes it again on open."""
    from muzaic_studio.audio.export import ExportOptions, export_audio

    export_audio(mp3_path, out, ExportOptions(format="wav", mix_regions=tuple(regions)))


def _check_outputs(args: argparse.Namespace) -> Path:
    """-o and --wav are usable; checked before any token is spent."""
    out = Path(args.output)
    if out.suffix.lower() in (".wav", ".flac", ".ogg", ".m4a", ".aac"):
        raise CliError(
            f"-o writes an MP3, so {out.name} would hold MP3 data under another name. "
            f"Use -o {out.with_suffix('.mp3').name} (add --wav {out.with_suffix('.wav').name} for a WAV).",
            EXIT_INVALID,
        )
    if args.wav and Path(args.wav).resolve() == out.resolve():
        raise CliError("--wav and -o must be different files.", EXIT_INVALID)
    for target in (out, Path(args.wav)) if args.wav else (out,):
        if not target.parent.is_dir():
            raise CliError(f"Cannot write {target}: the folder does not exist.", EXIT_INVALID)
    return out


def cmd_render(args: argparse.Namespace) -> int:
    """The render use case (muzaic_studio.render), as the GUI runs it, plus the files."""
    from muzaic_studio.atomic import atomic_write_bytes
    from muzaic_studio.render import RenderHistory, record
    from muzaic_studio.render.job import copies_charged
    from muzaic_studio.render.summary import NO_REGION_HASHES, charge_text

    out = _check_outputs(args)
    project = _load(args.project)
    backend = _backend(args)
    name = str(getattr(backend, "name", ""))
    history = RenderHistory.for_project(project)
    job = _prepared(project, backend, args)
    first_text = ""
    if job.first:  # copy sources this backend has no hash of: rendered in a request first
        _err(f"{job.note}.")
        first = _execute(job, backend, history, project, args)
        record(project.apply_render, project.library, history, job, first, backend=name)
        if not args.no_save:
            project.save(args.project)
        if name != "offline":  # (the offline engine charges nothing)
            first_text = (
                f" (and {charge_text(first.tokens_used, job.plan.tokens)} for the copy sources)"
            )
        job = _prepared(project, backend, args)
    outcome = _execute(job, backend, history, project, args)
    for warning in outcome.warnings:
        _err(f"warning: {warning}")
    atomic_write_bytes(out, _to_mp3(outcome.audio_path))
    saved = ""
    if not args.no_save:
        record(
            project.apply_render,
            project.library,
            history,
            job,
            outcome,
            backend=name,
            audio_path=str(out.resolve()),
        )
        try:
            project.save(args.project)
        except OSError as exc:
            raise CliError(
                f"Wrote {out}, but could not store the region hashes in {args.project}: {exc}",
                EXIT_OTHER,
            ) from None
        saved = f"; region hashes stored in {args.project}"
    if args.wav:  # after the hashes are safe: they are what the tokens paid for
        try:
            _write_wav(out, Path(args.wav), project.regions)
        except Exception as exc:
            known = _exit_code_for(exc)
            if known is None:
                raise
            raise CliError(
                f"Wrote {out}{saved}, but the WAV export failed: {known[1]}", EXIT_OTHER
            ) from None
    plan = job.plan
    if plan.reused and name == "offline":  # nothing is charged offline: nothing to save
        reuse = f" (reused {plural(plan.reused, 'unchanged region')})"
    elif plan.reused and copies_charged(outcome.tokens_used, job):
        reuse = f" (reusing {plural(plan.reused, 'unchanged region')} saved nothing)"
    elif plan.reused:
        reuse = f" ({plan.tokens_saved} saved by reusing {plural(plan.reused, 'unchanged region')})"
    else:
        reuse = ""
    if job.unhashed:
        reuse += f" ({plural(job.unhashed, 'unchanged region')} rendered again: {NO_REGION_HASHES})"
    wav = f" and {args.wav}" if args.wav else ""
    print(
        f"Wrote {out}{wav}: {outcome.audio_duration:.1f} s, "
        f"{charge_text(outcome.tokens_used, plan.tokens, name)}{first_text}{reuse}{saved}."
    )
    return EXIT_OK


def _prepared(project: Any, backend: Any, args: argparse.Namespace) -> Any:
    """The request for this backend (render.prepare_for), every problem found before any
    token is spent: invalid regions, tag names or copy sources this backend lacks."""
    from muzaic_studio.render import Blocked, UnsendableRequest, prepare_for

    try:
        return prepare_for(
            project, backend, only_changes=args.changes_only, link_sources=args.render_sources
        )
    except Blocked as exc:
        fix = " (`--render-sources` does that)" if exc.offers() else ""
        raise CliError(
            f"{args.project}: nothing was sent. {exc.message}{fix}", EXIT_INVALID
        ) from None
    except UnsendableRequest as exc:
        more = (
            f" (and {len(exc.problems) - 1} more; see `{PROG} validate`)"
            if len(exc.problems) > 1
            else ""
        )
        raise CliError(f"{args.project}: {exc.problems[0]}{more}", EXIT_INVALID) from None


def _execute(job: Any, backend: Any, history: Any, project: Any, args: argparse.Namespace) -> Any:
    """One request of the render use case; the hashes of a paid answer whose audio failed
    are kept in the project, so a changes-only render gets the music as free copies."""
    import threading

    from muzaic_studio.contract.errors import MuzaicError
    from muzaic_studio.render import execute, keep_paid_hashes

    name = str(getattr(backend, "name", ""))
    cancel = threading.Event()
    try:
        return _interruptibly(
            lambda: execute(job, backend, history, cancel=cancel, backend_name=name)
        )
    except MuzaicError as exc:
        if exc.partial is None or args.no_save:
            raise
        if not keep_paid_hashes(project.apply_render, job, exc.partial):
            raise
        project.save(args.project)
        raise CliError(
            f"{exc.message} The region hashes were stored in {args.project}: "
            f"`{PROG} render {args.project} -o {args.output} --changes-only` gets the music "
            "as copies, without spending tokens again.",
            exc.exit_code,
        ) from None
    except KeyboardInterrupt:
        cancel.set()
        message = "Render cancelled."
        if name == "cloud":
            message += " The server may still finish it and charge the tokens for it."
        raise CliError(message, EXIT_INTERRUPTED) from None


def _interruptibly(work: Callable[[], Any]) -> Any:
    """Run *work* on a worker thread so Ctrl+C is noticed at once, even during a long wait."""
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="render", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if "error" in box:
        raise box["error"]
    return box["result"]


def cmd_tags(args: argparse.Namespace) -> int:
    data = _backend(args).tags()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    tags = [t for t in data.get("tags") or [] if isinstance(t, dict)]
    # Category names come with the catalogue when the server sends them (the offline engine
    # does); a bare id is only the fallback, as in the editor's tag picker.
    names = {
        str(c["id"]): str(c["name"])
        for c in data.get("categories") or []
        if isinstance(c, dict) and "id" in c and c.get("name")
    }
    for tag in sorted(
        tags, key=lambda t: (str(t.get("tagCategoryId", "")), str(t.get("name", "")))
    ):
        cat = tag.get("tagCategoryId")
        category = names.get(str(cat)) or f"category {'-' if cat is None else cat}"
        print(f"{tag.get('id')}\t{tag.get('name', '')}\t{category}")
    print(f"{len(tags)} tags", file=sys.stderr)
    return EXIT_OK


def cmd_account(args: argparse.Namespace) -> int:
    account = _backend(args).account()
    if args.json:
        print(json.dumps(account.raw, indent=2, ensure_ascii=False))
        return EXIT_OK
    fmt = lambda v: "unknown" if v is None else f"{v} tokens"  # noqa: E731
    print(f"Balance: {fmt(account.balance)}")  # tokensRemaining: what a render may spend
    if account.free_tokens is not None:
        print(f"Free:    {fmt(account.free_tokens)}")
    print(f"Used:    {fmt(account.used)}")
    if account.plan:
        print(f"Plan:    {account.plan}")
    if account.expires_at:
        print(f"Expires: {account.expires_at}")
    if account.current_balance is not None:
        print(f"Current balance (next billing estimate): {account.current_balance:g}")
    return EXIT_OK


def _read_key() -> str:
    if sys.stdin is None:
        raise CliError("No input to read the key from.", EXIT_INVALID)
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Muzaic API key (hidden): ")
    return sys.stdin.readline()


def _fit_keyring_advice(problem: str) -> str:
    """A keyring problem's fixes without "set MUZAIC_API_KEY" when it is set already.

    With the variable set the key works; the keyring only matters for storing a key for
    other sessions, so the advice is about the keyring alone.
    """
    from muzaic_studio.api import credentials

    if not credentials.env_key() or not problem.endswith(credentials.HOW_TO_FIX):
        return problem
    return (
        problem.removesuffix(credentials.HOW_TO_FIX)
        + f"{credentials.ENV_VAR} is set, so this session has a key; to store one for other "
        "sessions, install and unlock a Secret Service keyring (GNOME Keyring: `sudo apt "
        "install gnome-keyring`, or KWallet on KDE) and log in to a desktop session, or "
        "`pip install keyrings.alt` to keep the key in a plain file at your own risk."
    )


def cmd_key(args: argparse.Namespace) -> int:
    from muzaic_studio.api import credentials
    from muzaic_studio.contract.errors import KeyringUnavailable

    try:
        return _key_action(args, credentials)
    except KeyringUnavailable as exc:
        raise CliError(_fit_keyring_advice(exc.message), exc.exit_code) from None


def _key_action(args: argparse.Namespace, credentials: Any) -> int:
    import dataclasses

    if args.key_command == "set":
        masked = credentials.set_key(_read_key())
        print(f"API key {masked} stored in the system keyring.")
        if credentials.env_key():
            print(f"Note: {credentials.ENV_VAR} is set and overrides it in this environment.")
        return EXIT_OK
    if args.key_command == "clear":
        removed = credentials.clear_key()
        print("API key removed from the system keyring." if removed else "No API key was stored.")
        if credentials.env_key():
            print(f"Note: {credentials.ENV_VAR} is still set in this environment.")
        return EXIT_OK
    status = credentials.key_status()
    if status.problem:
        status = dataclasses.replace(status, problem=_fit_keyring_advice(status.problem))
    print(str(status))
    return EXIT_OK if status.has_key else EXIT_AUTH


def cmd_serve(args: argparse.Namespace) -> int:
    from muzaic_studio.engine.server import run_serve

    return int(run_serve(args) or 0)


def run_gui(project: str | None) -> int:
    if project is not None and not Path(project).is_file():
        # Said here for a terminal, and by the window (a launcher has no terminal).
        _err(f"No project file at {project}.")
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        _err(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the editor cannot "
            f"open. Headless, use `{PROG} render PROJECT -o out.mp3`."
        )
        return EXIT_OTHER
    try:
        from muzaic_studio.ui.app import run
    except ImportError as exc:
        _err(
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
    "serve": cmd_serve,
}


def _exit_code_for(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for the failures a user can act on; None for real bugs."""
    from muzaic_studio.contract.errors import MuzaicError

    if isinstance(exc, CliError):
        return exc.code, exc.message
    if isinstance(exc, MuzaicError):
        return exc.exit_code, exc.message
    from muzaic_studio.model import ProjectError

    if isinstance(exc, ProjectError):
        return EXIT_INVALID, str(exc)
    from muzaic_studio.atomic import WriteError

    if isinstance(exc, WriteError):
        return EXIT_OTHER, exc.strerror or str(exc)
    from muzaic_studio.audio.errors import AudioError

    if isinstance(exc, AudioError) or type(exc).__name__ == "FFmpegError":
        return EXIT_OTHER, str(exc)
    if isinstance(exc, OSError):
        return EXIT_OTHER, f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return None


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
        _err(f"`serve` needs the offline engine, which this installation lacks ({exc}).")
        return EXIT_OTHER
    args = parser.parse_args(argv)
    from muzaic_studio.logging_setup import setup_logging

    setup_logging(console=args.command == "serve")
    try:
        return HANDLERS[args.command](args)
    except KeyboardInterrupt:
        _err("Interrupted.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `muzaic-studio validate x | head`: the reader left; not an error of ours.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (so the exit flush stays quiet)
        return EXIT_OK
    except Exception as exc:
        known = _exit_code_for(exc)
        if os.environ.get("MUZAIC_STUDIO_DEBUG"):
            raise
        if known is None:
            _err(f"Unexpected error ({type(exc).__name__}): {exc}")
            return EXIT_OTHER
        code, message = known
        _err(message)
        return code


if __name__ == "__main__":
    sys.exit(main())
