"""What the `muzaic-studio` commands share: exit codes, the one-line failure, loading a
project and choosing the backend from the command line's options."""

from __future__ import annotations

import argparse
import sys
from typing import Any

PROG = "muzaic-studio"

EXIT_OK, EXIT_OTHER, EXIT_INVALID, EXIT_AUTH, EXIT_NETWORK, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class CliError(Exception):
    """A failure with its exit code; the message is the one line the user reads."""

    def __init__(self, message: str, code: int = EXIT_OTHER) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def load_project(path: str) -> Any:
    from muzaic_studio.model import Project, ProjectError

    try:
        return Project.load(path)
    except ProjectError as exc:
        raise CliError(str(exc), EXIT_INVALID) from None


def backend_for(args: argparse.Namespace) -> Any:
    """The backend of a command, chosen like the editor's: flag > environment > saved
    setting (the one Preferences saved) > default. Says on stderr which and why."""
    from muzaic_studio.backends import choose_backend
    from muzaic_studio.contract.errors import KeyringUnavailable, Unauthorized
    from muzaic_studio.settings import load
    from muzaic_studio.settings.backend import resolve_backend

    if args.offline and (args.api_url or args.origin):
        raise CliError("--offline cannot be combined with --api-url or --origin.", EXIT_INVALID)
    choice = resolve_backend(load(), offline=args.offline, api_url=args.api_url, origin=args.origin)
    try:
        backend, why = choose_backend(
            choice.offline, choice.api_url.value or None, choice.origin.value or None
        )
    except (Unauthorized, KeyringUnavailable) as exc:
        if choice.kind.source == "flag":
            raise
        raise CliError(
            f"{exc.message} The Muzaic cloud is chosen ({choice.kind.describe()}); "
            "--offline renders with the offline engine.",
            exc.exit_code,
        ) from None
    if choice.kind.source != "flag":  # what this command line did not say is worth a note
        print(f"{why.rstrip('.')} ({choice.why()}).", file=sys.stderr)
    if hasattr(backend, "on_retry"):  # the cloud client: a busy server's wait is said
        backend.on_retry = lambda words, _seconds: err(words)
    return backend


def exit_code_for(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for the failures a user can act on; None for real bugs."""
    from muzaic_studio.contract.errors import MuzaicError

    if isinstance(exc, CliError):
        return exc.code, exc.message
    if isinstance(exc, MuzaicError):
        return exc.exit_code, exc.message
    from muzaic_studio.settings import SettingError

    if isinstance(exc, SettingError):  # a flag or environment variable that does not fit
        return EXIT_INVALID, f"{exc}."
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
