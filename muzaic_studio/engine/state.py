"""What `serve`'s worker processes share: the token ledger and the rate limiter, in SQLite.

Each worker process has its own engine, so a balance or a request count kept in memory
would be per worker: with 2 workers a 10-token balance could be spent twice. One small
SQLite file (WAL, `BEGIN IMMEDIATE` transactions) makes every reserve/refund and every
rate-limit check a single atomic step across processes, and it is on disk, so the
limiter's memory is bounded: request times older than the window are deleted on every
check, whatever the number of keys.

Keys are stored as SHA-256 digests, never as they are (the key is never written to a file).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from muzaic_studio.contract.errors import InsufficientTokens, RateLimited

WINDOW = 60.0  # seconds of the rate limit's sliding window
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    balance INTEGER,             -- NULL: unlimited
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_key ON hits (key, at);
CREATE INDEX IF NOT EXISTS hits_at ON hits (at);
"""


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class SharedState:
    """Token ledger + per-key sliding-window rate limit, exact across processes.

    Thread-safe (one connection per object, used under a lock); open one per process.
    """

    def __init__(self, path: str | Path, per_minute: int = 0) -> None:
        self.path = Path(path)
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )  # fmt: skip
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        with self._lock:
            self._db.executescript(_SCHEMA)  # IF NOT EXISTS: any worker may come first

    @classmethod
    def create(cls, path: str | Path, balance: int | None, per_minute: int = 0) -> SharedState:
        """Make the file (WAL) and set the starting balance unless the file already had one."""
        state = cls(path, per_minute)
        state._db.execute("PRAGMA journal_mode = WAL")
        with state._tx():
            state._db.execute(
                "INSERT OR IGNORE INTO ledger (id, balance, used) VALUES (1, ?, 0)", (balance,)
            )
        return state

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------------ tokens

    def reserve(self, cost: int) -> None:
        with self._tx() as db:
            balance, _ = db.execute("SELECT balance, used FROM ledger WHERE id = 1").fetchone()
            if balance is not None and cost > balance:
                raise InsufficientTokens(
                    f"This render needs {cost} tokens but only {balance} are left.",
                    needed=cost,
                    balance=balance,
                )
            db.execute(
                "UPDATE ledger SET balance = balance - ?, used = used + ? WHERE id = 1",
                (cost, cost),
            )

    def refund(self, cost: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE ledger SET balance = balance + ?, used = used - ? WHERE id = 1",
                (cost, cost),
            )

    def account(self) -> tuple[int | None, int]:
        with self._lock:
            row = self._db.execute("SELECT balance, used FROM ledger WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (None, 0)

    # ------------------------------------------------------------------ rate limit

    def check_rate(self, key: str, now: float | None = None) -> None:
        """Count one request of *key*; RateLimited (with retry_after) past the limit."""
        if self.per_minute <= 0:
            return
        now = time.time() if now is None else now
        digest = key_digest(key)
        with self._tx() as db:
            db.execute("DELETE FROM hits WHERE at <= ?", (now - WINDOW,))
            count, oldest = db.execute(
                "SELECT COUNT(*), MIN(at) FROM hits WHERE key = ?", (digest,)
            ).fetchone()
            if count >= self.per_minute:
                wait = max(1, math.ceil(oldest + WINDOW - now))
                raise RateLimited(
                    f"Rate limit of {self.per_minute} requests per minute exceeded; "
                    f"retry in {wait} s.",
                    retry_after=wait,
                )
            db.execute("INSERT INTO hits (key, at) VALUES (?, ?)", (digest, now))

    def tracked_requests(self) -> int:
        """Request times held for the rate limit (tests: it shrinks after the window)."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM hits").fetchone()[0])
