"""`serve` under load and bad input (issue 14): every failure found by probing it is here.

Each test failed on the old http.server-based server: connections reset by a backlog of
5, a refused request's body executed as the next request, HTML protocol errors, 500s for
huge numbers and deep nesting, unbounded rate-limit memory, per-process balances.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from muzaic_studio.engine.server import start_server, stop_server
from muzaic_studio.engine.state import SharedState
from tests.engine.conftest import KEY, region
from tests.processes import children, running

H = {"MuzaicAPI-Secret-Key": KEY}


def _exchange(address, data: bytes, timeout: float = 20.0) -> bytes:
    """Send raw bytes, read until the server closes or goes quiet."""
    with socket.create_connection(address, timeout=timeout) as s:
        s.sendall(data)
        s.settimeout(3.0)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except TimeoutError:
            pass
    return out


def _responses(raw: bytes) -> list[tuple[int, dict]]:
    """(status, JSON body) of each HTTP response in *raw* (Content-Length framed)."""
    out = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in lines[1:])}
        assert headers["content-type"] == "application/json", head
        n = int(headers["content-length"])
        out.append((status, json.loads(rest[:n])))
        raw = rest[n:]
    return out


@pytest.fixture
def server(engine_home):
    srv, thread = start_server(keys=[KEY], tokens=None)
    yield srv
    stop_server(srv, thread)


def test_fifty_concurrent_renders_all_get_200(server):
    """Was: 16-26 of 50 connections reset (listen backlog 5)."""

    def go(i):
        body = {"regions": [region(1.0 + (i % 3) * 0.5, params={"tone": 1 + i % 10})]}
        r = requests.post(server.url + "/soundtrack", json=body, headers=H, timeout=300)
        return r.status_code

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(go, range(50)))
    assert codes == [200] * 50


def test_a_body_refused_unread_is_not_run_as_a_request(server):
    """Was: the body of a 401 was parsed as the next request (a 200 from /accountDetails)."""
    inner = f"GET /accountDetails HTTP/1.1\r\nHost: x\r\n{next(iter(H))}: {KEY}\r\n\r\n".encode()
    for path in ("/soundtrack", "/nowhere"):  # 401 no key, 404 path
        first = b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (
            path.encode(),
            len(inner),
        )
        follow = f"GET /getTags HTTP/1.1\r\nHost: x\r\n{next(iter(H))}: {KEY}\r\n\r\n".encode()
        got = _responses(_exchange(server.server_address, first + inner + follow))
        # one answer to the refused POST, then the keep-alive connection still works
        assert [s for s, _ in got] == [401 if path == "/soundtrack" else 404, 200]
        assert "tags" in got[1][1]


def test_a_refused_get_keeps_the_connection_usable(server):
    with requests.Session() as s:
        assert s.post(server.url + "/getTags", headers=H, data=b"{}", timeout=10).status_code == 405
        assert s.get(server.url + "/getTags", headers=H, timeout=10).status_code == 200
        assert s.get(server.url + "/getTags", timeout=10).status_code == 401
        assert s.get(server.url + "/accountDetails", headers=H, timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /getTags HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"GET /getTags HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 20000, 431),
        (b"GET /" + b"a" * 20000, 414),
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Length: x\r\n\r\n", 400),
        (b"POST /soundtrack HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (
            b"POST /soundtrack HTTP/1.1\r\nHost: x\r\nContent-Length: 1"
            + b"0" * 5000
            + b"\r\n\r\n",
            400,
        ),
    ],
)
def test_protocol_errors_are_json(server, request_bytes, status):
    """Was: 414/431/501 and malformed request lines answered in HTML."""
    got = _responses(_exchange(server.server_address, request_bytes))
    assert len(got) == 1 and got[0][0] == status and isinstance(got[0][1]["error"], str)


def test_a_header_that_never_ends_is_408_and_closed(engine_home, monkeypatch):
    """Was: a client sending nothing, or a header line every few seconds (slowloris),
    held its connection and file descriptor forever; enough of them starve the server."""
    from muzaic_studio.engine import http_protocol

    monkeypatch.setattr(http_protocol, "HEADER_TIMEOUT", 1.0)
    srv, thread = start_server(keys=[KEY], tokens=None)
    try:
        silent = socket.create_connection(srv.server_address, timeout=20)
        dripping = socket.create_connection(srv.server_address, timeout=20)
        dripping.sendall(b"GET /getTags HTTP/1.1\r\n")
        for _ in range(3):  # a line at a time, each before the timeout: still cut off
            time.sleep(0.5)
            with contextlib.suppress(OSError):
                dripping.sendall(b"X-A: b\r\n")
        assert _responses(dripping.recv(4096)) == [
            (408, {"error": "The request's header did not arrive in time."})
        ]
        assert silent.recv(4096) == b""  # closed without a word: nothing was asked
        with requests.Session() as s:  # a whole request is never cut, and keeps its session
            assert s.get(srv.url + "/getTags", headers=H, timeout=10).status_code == 200
            time.sleep(0.3)
            assert s.get(srv.url + "/getTags", headers=H, timeout=10).status_code == 200
    finally:
        silent.close()
        dripping.close()
        stop_server(srv, thread)


def test_a_body_over_the_limit_is_413_json_and_closes(server):
    head = (
        b"POST /soundtrack HTTP/1.1\r\nHost: x\r\n" + f"{next(iter(H))}: {KEY}\r\n".encode()
        + b"Content-Length: 5000000\r\n\r\n"
    )  # fmt: skip
    got = _responses(_exchange(server.server_address, head + b" " * 1000))
    assert got[0][0] == 413 and "limit" in got[0][1]["error"]


BIG = "1" + "0" * 400  # an integer beyond float range


@pytest.mark.parametrize(
    "body",
    [
        '{"regions": [{"time": ' + BIG + ', "duration": 2, "action": "generate"}]}',
        '{"regions": [{"time": 0, "duration": ' + BIG + ', "action": "generate"}]}',
        '{"regions": [{"time": 0, "duration": 2, "params": {"tone": [[' + BIG + ", 3]]}}]}",
        '{"regions": [{"time": 0, "duration": 2, "params": {"tone": [[0, ' + BIG + "]]}}]}",
        '{"regions": [{"time": 1e999, "duration": 2, "action": "generate"}]}',
        '{"regions": [{"time": NaN, "duration": 2, "action": "generate"}]}',
        '{"regions": [{"time": 0, "duration": 2, "action": "extend"}, '
        '{"time": ' + BIG + ', "duration": 2, "action": "extend"}]}',
        '{"regions": [' + "[" * 900 + "]" * 900 + "]}",  # 1.8 KB, 900 deep
        '{"regions": [{"time": 0, "duration": 2, "x": ' + '{"a":' * 900 + "1" + "}" * 900 + "}]}",
    ],
)
def test_huge_numbers_and_deep_nesting_are_400(server, body):
    """Was: OverflowError / RecursionError -> 500."""
    for path in ("/soundtrack", "/singleFile"):
        data = body if path == "/soundtrack" else body.replace('"regions"', '"r"', 1)
        if path == "/singleFile":
            data = '{"duration": ' + BIG + "}"
        r = requests.post(server.url + path, data=data.encode(), headers=H, timeout=60)
        assert r.status_code == 400, (path, r.text)
        assert r.headers["content-type"] == "application/json" and r.json()["error"]


def test_a_full_render_queue_answers_429_with_retry_after(engine_home):
    srv, thread = start_server(keys=[KEY], tokens=None, queue=1)
    try:

        def go(i):
            body = {"regions": [region(3.0, params={"tone": 1 + i})]}
            return requests.post(srv.url + "/soundtrack", json=body, headers=H, timeout=300)

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(go, range(6)))
        codes = sorted(r.status_code for r in answers)
        assert 200 in codes and 429 in codes and set(codes) <= {200, 429}
        busy = next(r for r in answers if r.status_code == 429)
        assert int(busy.headers["Retry-After"]) >= 1 and "busy" in busy.json()["error"]
    finally:
        stop_server(srv, thread)


def test_rate_limit_state_expires_and_stays_bounded(tmp_path):
    """Was: per-key state never freed (20,000 keys: 110 -> 207 MB, still 207 MB later)."""
    state = SharedState.create(tmp_path / "state.sqlite", None, per_minute=5)
    now = 1_000_000.0
    for i in range(20_000):
        state.check_rate(f"key-{i}", now=now)
    assert state.tracked_requests() == 20_000
    state.check_rate("late", now=now + 61)  # every check drops what left the window
    assert state.tracked_requests() == 1
    assert "key-1" not in (tmp_path / "state.sqlite").read_bytes().decode("latin-1")  # digests


def _serve(tmp_path, *extra: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "MUZAIC_STUDIO_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "muzaic_studio", "serve", "--port", "0", "--any-key", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    url = proc.stdout.readline().split(" on ")[1].split(" ")[0]
    return proc, url


def test_two_workers_share_one_balance_and_one_rate_limit(tmp_path):
    """Balances and rate limits are exact across worker processes (SQLite state)."""
    proc, url = _serve(tmp_path, "--workers", "2", "--tokens", "10", "--rate-limit", "12")
    try:

        def go(i):
            body = {"regions": [region(2.0, params={"tone": 1 + i})]}
            with requests.Session() as s:  # a connection each: the workers share them out
                return s.post(url + "/soundtrack", json=body, headers=H, timeout=300).status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = sorted(pool.map(go, range(8)))
        assert codes == [200] * 5 + [402] * 3
        acc = requests.get(url + "/accountDetails", headers=H, timeout=30).json()
        assert (acc["balance"], acc["used"]) == (0, 10)
        # 9 requests so far; 3 more are allowed this minute, whichever worker answers
        codes = [
            requests.get(url + "/getTags", headers=H, timeout=30).status_code for _ in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        workers = children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        end = time.monotonic() + 30
        while any(running(p) for p in workers) and time.monotonic() < end:
            time.sleep(0.2)
        assert not any(running(p) for p in workers)
        assert not list((tmp_path / "cache" / "serve-state").glob("*.sqlite"))
    finally:
        if proc.poll() is None:
            proc.kill()


def test_workers_die_with_a_killed_parent(tmp_path):
    proc, url = _serve(tmp_path, "--workers", "2")
    workers: list[int] = []
    try:
        assert requests.get(url + "/getTags", headers=H, timeout=120).status_code == 200
        end = time.monotonic() + 60
        while len(workers := children(proc.pid)) < 3 and time.monotonic() < end:
            time.sleep(0.2)  # 2 workers and multiprocessing's resource tracker
        assert len(workers) >= 3
    finally:
        proc.kill()
        proc.wait()
    end = time.monotonic() + 60
    while any(running(p) for p in workers) and time.monotonic() < end:
        time.sleep(0.2)
    alive = [p for p in workers if running(p)]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    assert not alive


def test_two_stores_writing_one_hash_at_once_leave_a_whole_file(tmp_path):
    """Workers share the region store: same-hash writes race only through atomic renames."""
    import numpy as np

    from muzaic_studio.engine.store import RegionStore

    audio = (np.arange(44100 * 4 * 2, dtype=np.int64) % 2000 - 1000).astype(np.int16)
    audio = audio.reshape(-1, 2)
    stores = [RegionStore(tmp_path / "store", memory_bytes=1 << 10) for _ in range(4)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda s: s.put_audio("ab" * 16, audio, borrowed=True), stores))
    fresh = RegionStore(tmp_path / "store")
    assert np.array_equal(fresh.get_audio("ab" * 16), audio)
    assert not list((tmp_path / "store").glob("*.tmp*"))
