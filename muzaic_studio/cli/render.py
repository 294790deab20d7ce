"""`muzaic-studio render` and `validate`: the render use case (muzaic_studio.render), as
the GUI runs it, plus the files: MP3 (and WAV) written atomically, hashes stored back."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from muzaic_studio.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_OTHER,
    PROG,
    CliError,
    backend_for,
    err,
    exit_code_for,
    load_project,
)
from muzaic_studio.threads import Outcome
from muzaic_studio.wording import plural

CANCEL_GRACE = 1.0  # seconds a cancelled render gets to say how far it got


def cmd_validate(args: argparse.Namespace) -> int:
    from muzaic_studio.render import Blocked, UnsendableRequest, prepare

    project = load_project(args.project)
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


def _write_mp3(audio_path: Path, out: Path) -> None:
    """The render's audio as the MP3 *out*, atomically. A server may send WAV: it goes
    through the export, whose MP3 carries the LAME frame (encoder delay and padding), so
    it plays exactly the WAV's samples (piped out of ffmpeg it had none: ~1500 samples
    more, the music late by the encoder's delay)."""
    from muzaic_studio.atomic import atomic_write_bytes

    if audio_path.suffix.lower() == ".mp3":
        atomic_write_bytes(out, audio_path.read_bytes())
        return
    from muzaic_studio.audio.export import ExportOptions, export_audio

    export_audio(audio_path, out, ExportOptions(format="mp3"))


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
    for target in [out] + [Path(p) for p in (args.wav, args.midi, args.stems) if p]:
        if not target.parent.is_dir():
            raise CliError(f"Cannot write {target}: the folder does not exist.", EXIT_INVALID)
    if args.stems and Path(args.stems).exists() and not Path(args.stems).is_dir():
        raise CliError(f"--stems needs a folder, and {args.stems} is a file.", EXIT_INVALID)
    return out


def cmd_render(args: argparse.Namespace) -> int:
    """The render use case (muzaic_studio.render), as the GUI runs it, plus the files."""
    from muzaic_studio.render import RenderHistory, record
    from muzaic_studio.render.job import copies_charged
    from muzaic_studio.render.summary import NO_REGION_HASHES, charge_text

    out = _check_outputs(args)
    project = load_project(args.project)
    score = bool(args.stems or args.midi)
    if score and (args.api_url or args.origin):  # the cloud, asked for explicitly
        _needs_offline()
    backend = backend_for(args)
    name = str(getattr(backend, "name", ""))
    if score and name != "offline":  # before any token is spent
        _needs_offline()
    history = RenderHistory.for_project(project)
    job = _prepared(project, backend, args)
    first_text = ""
    if job.first:  # copy sources this backend has no hash of: rendered in a request first
        err(f"{job.note}.")
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
        err(f"warning: {warning}")
    try:
        _write_mp3(outcome.audio_path, out)
    except OSError as exc:  # a full disk: what the tokens paid for is stored first
        if args.no_save:
            raise
        record(project.apply_render, project.library, history, job, outcome, backend=name)
        project.save(args.project)
        raise CliError(
            f"{exc.strerror or exc} The region hashes were stored in {args.project}: `{PROG} render "
            f"{args.project} -o {args.output} --changes-only` gets the music as copies.",
            EXIT_OTHER,
        ) from None
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
            known = exit_code_for(exc)
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
    if args.stems or args.midi:
        _export_score(args, project, backend, job.body)
    return EXIT_OK


def _needs_offline() -> None:
    from muzaic_studio.render.score_files import NEEDS_OFFLINE

    raise CliError(f"--stems and --midi need --offline. {NEEDS_OFFLINE}", EXIT_INVALID)


def _export_score(args: argparse.Namespace, project: Any, backend: Any, body: Any) -> None:
    """--stems and --midi: the score of the request just rendered (the regions come from
    the engine's store, so the stems add up to the MP3's audio)."""
    from muzaic_studio.render.score_files import export_score_files

    report = _interruptibly(
        lambda: export_score_files(project, stems_dir=args.stems, midi_path=args.midi,
                                   engine=backend, body=body, title=Path(args.project).stem)
    )  # fmt: skip
    print(report.summary())


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
    from muzaic_studio.contract.errors import Cancelled, MuzaicError
    from muzaic_studio.render import execute, keep_paid_hashes

    name = str(getattr(backend, "name", ""))
    cancel = threading.Event()
    try:
        return _interruptibly(
            lambda: execute(job, backend, history, cancel=cancel, backend_name=name), cancel
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
    except KeyboardInterrupt as exc:
        if isinstance(exc.__cause__, Cancelled):  # the backend knows whether it was sent
            message = exc.__cause__.message
        else:
            message = "Render cancelled."
            if name == "cloud":
                message += " The server may still finish it and charge the tokens for it."
        raise CliError(message, EXIT_INTERRUPTED) from None


def _interruptibly(work: Callable[[], Any], cancel: threading.Event | None = None) -> Any:
    """Run *work* on a worker thread so Ctrl+C is noticed at once, even during a long wait.

    With *cancel*: Ctrl+C sets it and gives the work up to CANCEL_GRACE to stop, so the
    KeyboardInterrupt carries (as its cause) the work's own Cancelled, which says whether
    the request had reached the server (a wait before a 429's retry had not)."""
    outcome = Outcome(work, "render")
    try:
        while not outcome.done.wait(0.1):
            pass
    except KeyboardInterrupt:
        if cancel is None:
            raise
        cancel.set()
        outcome.done.wait(CANCEL_GRACE)
        raise KeyboardInterrupt from outcome.error
    return outcome.result()
