"""The HTTP server: every status code, the contract's shapes, and a fuzz from the seed schema."""

from __future__ import annotations

import base64
import concurrent.futures
import json
import socket

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muzaic_studio.engine.server import MAX_BODY_BYTES, read_keys, start_server, stop_server
from muzaic_studio.model.schema import request_schema, schema_errors
from tests.engine.conftest import KEY, WEB_KEY, region
from tests.model.schema_strategy import from_schema  # hypothesis-jsonschema is broken here

H = {"MuzaicAPI-Secret-Key": KEY}


def post(server, path, body=None, headers=H, data=None, timeout=60):
    return requests.post(server.url + path, json=body, data=data, headers=headers, timeout=timeout)


def test_soundtrack_written_only_from_the_contract(engine_server):
    """A request straight from the seed contract gets the contract's 200 and a real MP3."""
    body = {"regions": [
        {"time": 0, "duration": 2.5, "action": "generate", "method": "strict", "tags": [2],
         "params": {"intensity": 6, "tempo": 5, "tone": 7, "variance": 3, "rhythm": 4}},
        {"time": 2.5, "duration": 1.5, "action": "silence"},
    ], "normalize": True}  # fmt: skip
    assert schema_errors(body) == []
    r = post(engine_server, "/soundtrack", body)
    assert r.status_code == 200, r.text
    j = r.json()
    assert schema_errors(j, "200") == []
    assert set(j) >= {"apiVersion", "status", "regions", "regionHashes", "audioDuration", "mp3",
                      "tokensUsed", "soundtrackHash"}  # fmt: skip
    assert j["regions"] == 2 and len(j["regionHashes"]) == 2 and j["tokensUsed"] == 3
    assert j["audioDuration"] == 4.0 and j["balance"] == 57
    from tests.engine.test_soundtrack import decode_mp3

    audio = decode_mp3(base64.b64decode(j["mp3"]))
    assert abs(len(audio) / 44100 - j["audioDuration"]) < 0.03
    # the hash can be fetched back, and copied for free
    a = post(engine_server, "/audioFromHash", {"hash": j["regionHashes"][0]})
    assert a.status_code == 200 and a.json()["audioDuration"] == 2.5 and a.json()["mp3"]
    c = post(
        engine_server,
        "/soundtrack",
        {
            "regions": [
                {"time": 0, "duration": 5, "action": "copy", "sourceHash": j["regionHashes"][0]}
            ]
        },
    )
    assert c.status_code == 200 and c.json()["tokensUsed"] == 0


def test_origin_path_and_keys(engine_server):
    ok = {"regions": [region(1.0)]}
    assert (
        post(engine_server, "/soundtrack/web", ok, {"MuzaicAPI-Secret-Key": WEB_KEY}).status_code
        == 200
    )
    for path, key, msg in [
        ("/soundtrack", None, "Missing API key"),
        ("/soundtrack", "nope", "Invalid API key"),
        ("/soundtrack/app", WEB_KEY, "not valid for origin 'app'"),
        ("/soundtrack/elsewhere", KEY, "not allowed"),
    ]:
        r = post(engine_server, path, ok, {"MuzaicAPI-Secret-Key": key} if key else {})
        assert r.status_code == 401 and msg in r.json()["error"], (path, r.text)
    assert post(engine_server, "/soundtrack/app", ok).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"regions": [region(500.0)]}, 402, "needs 500 tokens"),
        ({"regions": []}, 400, "no regions"),
        (
            {"regions": [region(2.0), region(2.0, time=1.0)]},
            400,
            "Region 2 (at 1.00 s): time: overlaps",
        ),
        ({"regions": [region(2.0, params={"tempo": [[0, 3]]})]}, 400, "params.tempo"),
        ({"regions": [region(2.0, params={"tone": 11})]}, 400, "params.tone"),
        ({"regions": [region(2.0, action="copy")]}, 400, "sourceHash"),
        ({"regions": [region(1300.0)]}, 400, "1200"),
        ({"regions": [region(-1.0)]}, 400, "duration"),
        ({"regions": "x"}, 400, "regions"),
        ([1, 2], 400, "JSON object"),
        ({"regions": [region(2.0, tags=[12345])]}, 400, "unknown tag"),
        ({"regions": [region(2.0)], "normalize": "sometimes"}, 400, "normalize"),
    ],
)
def test_errors_are_precise(engine_server, body, status, needle):
    r = post(engine_server, "/soundtrack", body)
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]


def test_lenient_forms_are_accepted(engine_server):
    body = {"regions": [{"time": 0, "duration": 1.5, "params": {"intensity": 9, "tone": [[0, 2], [100, 9]]}},
                        {"time": 1.5, "duration": 1.5, "action": "extend"}], "normalize": "auto"}  # fmt: skip
    r = post(engine_server, "/soundtrack", body)
    assert r.status_code == 200, r.text
    assert "no action given" in r.json()["status"][0] and "extend" in r.json()["status"][1]


def test_http_level_errors(engine_server):
    u = engine_server.url
    assert post(engine_server, "/soundtrack", data=b"{not json").status_code == 400
    assert post(engine_server, "/soundtrack", data=b"").status_code == 400
    assert post(engine_server, "/soundtrack", data=b"\xff\xfe").status_code == 400
    r = post(engine_server, "/soundtrack", data=b"[" * 100000 + b"]" * 100000)
    assert r.status_code == 400 and "error" in r.json()
    r = post(engine_server, "/soundtrack", data=b" " * (MAX_BODY_BYTES + 1))
    assert r.status_code == 413 and "limit" in r.json()["error"]
    assert requests.get(u + "/nowhere", headers=H, timeout=10).status_code == 404
    r = requests.get(u + "/soundtrack", headers=H, timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert requests.delete(u + "/getTags", headers=H, timeout=10).status_code == 405
    # no Content-Length at all
    with socket.create_connection(engine_server.server_address[:2], timeout=10) as s:
        s.sendall(
            f"POST /soundtrack HTTP/1.1\r\nHost: x\r\nMuzaicAPI-Secret-Key: {KEY}\r\n\r\n".encode()
        )
        head = s.recv(4096).decode()
    assert head.startswith("HTTP/1.1 411")


def test_a_stalled_body_times_out_with_408(engine_home):
    server, thread = start_server(keys=[KEY], body_timeout=0.5)
    try:
        _stall(server)
    finally:
        stop_server(server, thread)


def _stall(engine_server):
    with socket.create_connection(engine_server.server_address[:2], timeout=10) as s:
        s.sendall(
            b"POST /soundtrack HTTP/1.1\r\nHost: x\r\nMuzaicAPI-Secret-Key: "
            + KEY.encode() + b"\r\nContent-Length: 100\r\n\r\n{"
        )  # fmt: skip
        data = b""
        while chunk := s.recv(4096):  # the server closes the connection after a 408
            data += chunk
    assert data.startswith(b"HTTP/1.1 408") and b'"error"' in data


def test_tags_and_account(engine_server):
    tags = requests.get(engine_server.url + "/getTags", headers=H, timeout=10).json()
    assert len(tags["tags"]) >= 24 and tags["tagsRelations"]
    acc = requests.get(engine_server.url + "/accountDetails", headers=H, timeout=10).json()
    assert acc["balance"] == 60 and acc["used"] == 0
    assert requests.get(engine_server.url + "/getTags", timeout=10).status_code == 401


def test_single_file(engine_server):
    r = post(engine_server, "/singleFile", {"duration": 2, "tags": [4], "params": {"tone": 8}})
    assert r.status_code == 200 and r.json()["tokensUsed"] == 2 and r.json()["mp3"]
    assert post(engine_server, "/singleFile", {"tags": [4]}).status_code == 400
    assert post(engine_server, "/audioFromHash", {"nohash": 1}).status_code == 400
    assert post(engine_server, "/audioFromHash", {"hash": "ffffffffffffffff"}).status_code == 404


def test_rate_limit_says_when_to_retry(engine_home):
    server, thread = start_server(keys=[KEY], rate_limit=2)
    try:
        codes = [
            requests.get(server.url + "/accountDetails", headers=H, timeout=10) for _ in range(3)
        ]
        assert [c.status_code for c in codes] == [200, 200, 429]
        assert 1 <= int(codes[2].headers["Retry-After"]) <= 60
        assert "error" in codes[2].json()
    finally:
        stop_server(server, thread)


def test_concurrent_requests_bill_exactly(engine_home):
    server, thread = start_server(keys=[KEY], tokens=10)
    try:

        def go(i):
            return post(
                server, "/soundtrack", {"regions": [region(2.0, params={"tone": 1 + i})]}
            ).status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(go, range(8)))
        assert sorted(codes) == [200] * 5 + [402] * 3
        acc = requests.get(server.url + "/accountDetails", headers=H, timeout=10).json()
        assert acc == {**acc, "balance": 0, "used": 10}
    finally:
        stop_server(server, thread)


def test_keys_file(tmp_path):
    p = tmp_path / "keys"
    p.write_text("# comment\nalpha\nbeta web,app\n\n")
    assert read_keys(p) == {"alpha": None, "beta": frozenset({"web", "app"})}
    p.write_text("a b c\n")
    with pytest.raises(ValueError, match="keys:1"):
        read_keys(p)


def test_serve_cli_arguments(tmp_path, engine_home):
    import argparse

    from muzaic_studio.engine.server import add_serve_arguments, run_serve

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    args = parser.parse_args([])
    assert (args.host, args.port, args.keys, args.any_key, args.rate_limit) == (
        "127.0.0.1",
        8765,
        None,
        False,
        0,
    )
    (tmp_path / "keys").write_text("")
    assert run_serve(parser.parse_args(["--keys", str(tmp_path / "keys"), "--port", "0"])) == 2
    assert run_serve(parser.parse_args(["--keys", str(tmp_path / "missing")])) == 2
    with pytest.raises(SystemExit):
        parser.parse_args(["--keys", "x", "--any-key"])
    # a busy port is an error message and exit 1, not a traceback
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert run_serve(parser.parse_args(["--port", str(busy), "--any-key"])) == 1


# ---------------------------------------------------------------------- fuzz


def _small(body):
    """Keep fuzzed soundtracks short so the fuzz tests the server, not the synthesizer."""
    for r in body.get("regions", []):
        for k in ("time", "duration"):
            if isinstance(r.get(k), int | float) and abs(r[k]) > 3:
                r[k] = float(r[k]) % 3
    return body


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    import os

    old = os.environ.get("MUZAIC_STUDIO_HOME")
    os.environ["MUZAIC_STUDIO_HOME"] = str(tmp_path_factory.mktemp("fuzzhome"))
    server, thread = start_server(keys=[KEY], tokens=None)
    yield server
    stop_server(server, thread)
    if old is not None:
        os.environ["MUZAIC_STUDIO_HOME"] = old


@given(from_schema(request_schema()).map(_small))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_schema_valid_bodies(fuzz_server, body):
    r = post(fuzz_server, "/soundtrack", body, timeout=60)
    assert r.status_code in (200, 400), r.text
    j = r.json()
    if r.status_code == 400:
        assert isinstance(j["error"], str) and j["error"]
    else:
        assert schema_errors(j, "200") == [] and len(j["regionHashes"]) == len(body["regions"])


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_region_like = st.fixed_dictionaries(
    {},
    optional={
        "time": _json | st.floats(-5, 5),
        "duration": _json | st.floats(-1, 3),
        "action": st.sampled_from(["generate", "copy", "silence", "extend", "bogus"]) | _json,
        "method": st.sampled_from(["strict", "smart"]) | _json,
        "tags": st.lists(st.integers(-2, 40), max_size=3) | _json,
        "params": st.dictionaries(
            st.sampled_from(["intensity", "tempo", "tone", "variance", "rhythm", "x"]),
            st.integers(-1, 12)
            | st.lists(st.lists(st.integers(-10, 120), min_size=2, max_size=2), max_size=3)
            | _json,
            max_size=5,
        )
        | _json,
        "sourceHash": st.text(max_size=40) | _json,
    },
)


@given(st.one_of(_json, st.fixed_dictionaries({"regions": st.lists(_region_like, max_size=3)},
                                               optional={"normalize": _json})))  # fmt: skip
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_anything_never_5xx(fuzz_server, body):
    r = post(fuzz_server, "/soundtrack", data=json.dumps(body).encode(), timeout=60)
    assert r.status_code in (200, 400, 402), r.text
    if r.status_code != 200:
        assert isinstance(r.json()["error"], str)


def test_serve_stops_cleanly_on_sigterm(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    code = (
        "import argparse, sys;"
        "from muzaic_studio.engine.server import add_serve_arguments, run_serve;"
        "p = argparse.ArgumentParser(); add_serve_arguments(p);"
        "sys.exit(run_serve(p.parse_args(['--port', '0', '--any-key'])))"
    )
    env = {**os.environ, "MUZAIC_STUDIO_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)  # fmt: skip
    try:
        line = proc.stdout.readline()
        url = line.split(" on ")[1].split(" ")[0]
        # default --workers: the CPU count, each worker importing the engine before it answers
        r = requests.get(
            url + "/accountDetails", headers={"MuzaicAPI-Secret-Key": "x"}, timeout=120
        )
        assert r.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "Stopping." in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
