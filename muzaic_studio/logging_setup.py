"""The app's log: one rotating file in the user log folder, with every API key redacted.

`setup_logging()` is called once at start-up (GUI and CLI). Records from every logger
go to ``paths.log_dir()/muzaic-studio.log`` (1 MB x 5 files), and warnings also to stderr
(everything with ``verbose=True``).

No key is ever written: a filter on each of our handlers rewrites the finished message,
its exception text and stack text before any formatter sees them. It removes

* every secret registered with `register_secret` (the credentials module registers the
  key it loads from the keyring), plus the current value of ``MUZAIC_API_KEY``, read at
  each record so a key set after start-up is covered too;
* the value after any ``MuzaicAPI-Secret-Key`` header name, whether it was logged as a
  header line (``MuzaicAPI-Secret-Key: abc``) or as a dict/repr (``'MuzaicAPI-Secret-Key':
  'abc'``), and the same for ``api_key`` / ``secret_key`` style fields, so a key the
  filter was never told about is still caught when it is logged with its name.

Plain Python, no Qt, so the CLI and the engine server use the same log.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
from pathlib import Path

from muzaic_studio import paths

LOG_NAME = "muzaic-studio.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
REDACTED = "[redacted]"
KEY_ENV = "MUZAIC_API_KEY"
HEADER = "MuzaicAPI-Secret-Key"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

# A key-bearing field name, an optional closing quote, a separator (: or =), optional
# opening quote, then the value up to the next quote, comma, brace or whitespace.
_FIELD_RE = re.compile(
    r"""(?P<name>MuzaicAPI[-_]Secret[-_]Key|MUZAIC_API_KEY|\b(?:api|secret)[-_]?key)"""
    r"""(?P<sep>['"]?\s*[:=]\s*(?:b?['"])?)"""
    r"""(?!\[redacted\])(?P<value>[^\s'",;}\])]+)""",
    re.IGNORECASE,
)
# Secrets shorter than this are not redacted as bare substrings (a 1-3 character "key"
# would shred every message); they are still caught next to a header or field name.
_MIN_SECRET = 4

_secrets: set[str] = set()
_lock = threading.Lock()
_installed: list[logging.Handler] = []


def register_secret(value: str | None) -> None:
    """Never log *value* (e.g. the API key just read from the keyring)."""
    if value and len(value.strip()) >= _MIN_SECRET:
        with _lock:
            _secrets.add(value.strip())


def forget_secrets() -> None:
    """Drop registered secrets (tests, or after ``key clear``)."""
    with _lock:
        _secrets.clear()


def _current_secrets() -> list[str]:
    with _lock:
        found = set(_secrets)
    env = os.environ.get(KEY_ENV, "").strip()
    if len(env) >= _MIN_SECRET:
        found.add(env)
    # Longest first, so a secret that contains another is removed whole.
    return sorted(found, key=len, reverse=True)


def redact(text: str) -> str:
    """*text* with every known secret and every header/field key value replaced."""
    if not text:
        return text
    for secret in _current_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _FIELD_RE.sub(lambda m: f"{m.group('name')}{m.group('sep')}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record so its message, exception and stack text carry no key.

    Runs as a handler filter (handler filters see records from every logger, logger
    filters only the logger's own), and freezes the formatted message into ``msg`` so
    the formatter cannot re-insert a key from ``args``.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_path() -> Path:
    return paths.log_dir() / LOG_NAME


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """The log file; a record it cannot write (a full or read-only disk) is dropped.

    logging's default printed a traceback to stderr for every record, burying the one
    clear line a command ends with (and the editor's terminal) under "Logging error"s."""

    def handleError(self, record: logging.LogRecord) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handleError(record)


def setup_logging(verbose: bool = False, console: bool = True) -> Path:
    """Log to the rotating file (and, with *console*, warnings to stderr); return its path.

    The CLI passes console=False for its one-shot commands, whose stderr is one clear line.

    Safe to call again (e.g. the CLI then the GUI): our previous handlers are replaced,
    other handlers on the root logger are left alone.
    """
    path = log_path()
    root = logging.getLogger()
    shutdown_logging()

    redactor = RedactingFilter()
    formatter = logging.Formatter(FORMAT)
    file_handler = _QuietFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for handler in (file_handler, stderr_handler) if console else (file_handler,):
        handler.addFilter(redactor)
        handler.setFormatter(formatter)
        root.addHandler(handler)
        _installed.append(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Third-party chatter that would only fill the file (urllib3 logs every connection).
    for noisy in ("urllib3", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path


def shutdown_logging() -> None:
    """Remove and close the handlers `setup_logging` added (others stay)."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()


def is_set_up() -> bool:
    return bool(_installed)


def tail(lines: int = 50, path: Path | None = None) -> list[str]:
    """The last *lines* lines of the log, redacted again (the file may predate a secret)."""
    path = path or log_path()
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 256 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [redact(line) for line in data.splitlines()[-lines:]]
