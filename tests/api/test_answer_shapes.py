"""Every answer shape the public Muzaic docs show, and the answers that must not fool us.

Fixtures are modelled field for field on the documentation's own examples
(../shared/muzaic-api/README.md), served over real sockets: the API on 127.0.0.1 and,
where the docs link the audio elsewhere, a second host on 127.0.0.2, so that "the key is
never sent to another host" is a fact about bytes on a wire.
"""

from __future__ import annotations

import base64
import json
import math
import time

import pytest

from muzaic_studio.api.cloud import KEY_HEADER, MuzaicCloud
from muzaic_studio.contract.account import MASK, mask_secrets
from muzaic_studio.contract.audio import audio_seconds
from muzaic_studio.contract.errors import (
    BadResponse,
    HashNotFound,
    InvalidRequest,
    NetworkError,
    RateLimited,
)
from muzaic_studio.contract.reader import is_link
from tests.api.helpers import KEY, assert_no_key, body, mp3_bytes, ok_payload, region, wav_bytes
from tests.api.recording_server import RecordingServer, Reply

H0, H1, H2 = "7f3a9c0e11d24b5a", "0c9d8e7f6a5b4c3d", "a1b2c3d4e5f60718"


def client(srv: RecordingServer, **kw) -> MuzaicCloud:
    kw.setdefault("timeout", 10.0)
    return MuzaicCloud(srv.url, KEY, **kw)


def prose_answer(link: str, regions: list[dict]) -> dict:
    """The prose pages' example answer (apiVersion 1.2.0): mp3 is a link, regions a list."""
    return {
        "apiVersion": "1.2.0",
        "status": " | ".join(f"region {r['number']} normalize: none" for r in regions),
        "regions": regions,
        "executionTime": 4.71,
        "mp3": link,
        "tokensUsed": 10,
    }


def mcp_answer(field: str, link: str) -> dict:
    """What the official MCP client reads: a link, soundtrackHash, duration."""
    return {field: link, "soundtrackHash": "st-9f8e7d6c", "duration": 10.0}


@pytest.fixture
def cdn():
    """The audio host of the docs' links, on a second loopback address."""
    with RecordingServer(host="127.0.0.2") as srv:
        yield srv


# -- the three shapes ------------------------------------------------------------------------------
def test_prose_shape_link_on_another_host_is_fetched_without_the_key(server, cdn):
    cdn.route("/result/4f1c.mp3", Reply(200, mp3_bytes(10.0), {"Content-Type": "audio/mpeg"}))
    link = f"http://127.0.0.2:{cdn.port}/result/4f1c.mp3"
    server.queue(
        Reply(200, prose_answer(link, [{"number": 0, "hash": H0}, {"number": 1, "hash": H1}]))
    )
    result = client(server).render(body(2))
    assert result.mp3 == mp3_bytes(10.0)
    assert result.region_hashes == [H0, H1]
    assert result.status == ["region 0 normalize: none", "region 1 normalize: none"]
    assert result.api_version == "1.2.0"
    assert math.isclose(result.audio_duration, 10.0, abs_tol=0.5)  # no audioDuration sent
    assert result.tokens_used == 10 and result.tokens_reported
    assert server.requests[0].header(KEY_HEADER) == KEY
    assert [r.path for r in cdn.requests] == ["/result/4f1c.mp3"]
    assert cdn.requests[0].header(KEY_HEADER) is None


def test_prose_shape_maps_hashes_by_number_and_silence_may_be_absent(server):
    server.route("/result/x.mp3", Reply(200, mp3_bytes(15.0)))
    sent = {"regions": [region(0, 5), region(5, 5, action="silence"), region(10, 5)]}
    answer = prose_answer("/result/x.mp3", [{"number": 2, "hash": H2}, {"number": 0, "hash": H0}])
    server.queue(Reply(200, answer))
    result = client(server).render(sent)
    assert result.region_hashes == [H0, "", H2]
    # a path on the API host is the API's own: it gets the key
    assert server.requests[1].path == "/result/x.mp3"
    assert server.requests[1].header(KEY_HEADER) == KEY


@pytest.mark.parametrize(("field", "audio"), [("url", mp3_bytes), ("wav", wav_bytes)])
def test_mcp_shape_keeps_the_audio_and_the_soundtrack_hash(server, cdn, field, audio):
    cdn.route("/out", Reply(200, audio(10.0)))
    server.queue(Reply(200, mcp_answer(field, f"http://127.0.0.2:{cdn.port}/out")))
    result = client(server).render(body(2))
    assert result.mp3 == audio(10.0)
    assert result.audio_format == ("wav" if field == "wav" else "mp3")
    assert result.soundtrack_hash == "st-9f8e7d6c"
    assert result.region_hashes == ["", ""]  # no per-region hashes in this shape
    assert (result.tokens_used, result.tokens_reported) == (10, False)  # the estimate, said so
    assert cdn.requests[0].header(KEY_HEADER) is None


def test_audio_url_field_and_contract_base64_both_work(server):
    server.route("/a.wav", Reply(200, wav_bytes(5.0)))
    server.queue(Reply(200, {"audioUrl": "/a.wav", "hash": H0}), Reply(200, ok_payload(1)))
    assert client(server).render(body(1)).soundtrack_hash == H0
    assert client(server).render(body(1)).region_hashes == ["h0000"]


def test_base64_starting_with_a_slash_is_audio_not_a_path(server):
    bare = mp3_bytes(5.0)[mp3_bytes(5.0).index(b"\xff\xfb") :]  # no ID3 tag: starts 0xFFFB
    text = base64.b64encode(bare).decode()
    assert text.startswith("//") and not is_link(text)
    assert (
        is_link("/result/abc.mp3") and is_link("HTTPS://cdn.example/x") and not is_link("//x.mp3")
    )
    server.queue(Reply(200, ok_payload(1, mp3=text)))
    assert client(server).render(body(1)).mp3 == bare
    assert [r.path for r in server.requests] == ["/soundtrack"]


# -- errors in every spelling ----------------------------------------------------------------------
def test_errors_with_a_capital_E_keep_the_servers_reason(server):
    server.queue(
        Reply(400, {"Error": "Region 0: unknown tag 99"}),
        Reply(200, {"Error": "Generation queue is full"}),
        Reply(400, {"message": "duration must be positive"}),
    )
    with pytest.raises(InvalidRequest, match="unknown tag 99"):
        client(server).render(body(1))
    with pytest.raises(BadResponse, match="Generation queue is full"):
        client(server).render(body(1))
    with pytest.raises(InvalidRequest, match="duration must be positive"):
        client(server).render(body(1))


def test_audio_from_hash_sends_source_hash_and_a_404_says_the_hash_is_unknown(server, cdn):
    cdn.route("/r.mp3", Reply(200, mp3_bytes(5.0)))
    server.queue(
        Reply(200, {"mp3": f"http://127.0.0.2:{cdn.port}/r.mp3", "tokensUsed": 10}),
        Reply(404, {"error": "Hash not found"}),
    )
    assert client(server).audio_from_hash(H0) == mp3_bytes(5.0)
    assert server.requests[0].json == {"sourceHash": H0}
    with pytest.raises(HashNotFound, match=f"does not know the hash {H0}") as info:
        client(server).audio_from_hash(H0)
    assert "address" not in info.value.message and info.value.exit_code == 2


# -- a paid answer is never thrown away, and nothing absurd is kept --------------------------------
@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"audioDuration": math.nan}, "audioDuration nan"),
        ({"audioDuration": 1e300}, "1e+300 s for a 10 s"),
        ({"audioDuration": 2.0}, "2 s for a 10 s"),
        ({"audioDuration": -3}, "audioDuration -3"),
        ({"tokensUsed": 10**30}, "charged 1e+30 tokens"),
        ({"tokensUsed": -5}, "tokensUsed -5"),
        ({"tokensUsed": math.inf}, "tokensUsed inf"),
    ],
)
def test_absurd_numbers_are_flagged_never_stored_and_the_audio_is_kept(server, extra, named):
    server.queue(Reply(200, ok_payload(2, **extra)))
    result = client(server).render(body(2))
    assert result.mp3 == mp3_bytes(10.0) and result.region_hashes == ["h0000", "h0001"]
    assert any(named in w for w in result.warnings), result.warnings
    assert math.isfinite(result.audio_duration) and abs(result.audio_duration - 10.0) < 0.5
    assert 0 <= result.tokens_used <= 10


def test_the_schema_is_a_warning_not_a_refusal(server, caplog):
    server.queue(Reply(200, ok_payload(1, status="done", regions="one", apiVersion=3)))
    with caplog.at_level("WARNING"):
        result = client(server).render(body(1))
    assert result.region_hashes == ["h0000"] and result.status == ["done"]
    assert "differs from the OpenAPI" in caplog.text


def test_truncated_audio_is_an_error_that_keeps_the_hashes(server):
    server.queue(Reply(200, ok_payload(2, audio=mp3_bytes(10.0)[:2000])))
    with pytest.raises(BadResponse, match=r"sent 0\.\d s of a 10\.0 s soundtrack") as info:
        client(server).render(body(2))
    assert info.value.partial is not None
    assert info.value.partial.region_hashes == ["h0000", "h0001"]
    assert audio_seconds(mp3_bytes(10.0)[:2000]) < 0.5


def test_a_failed_link_download_keeps_the_hashes(server, cdn):
    cdn.route("/gone.mp3", Reply(404, b""))
    answer = prose_answer(f"http://127.0.0.2:{cdn.port}/gone.mp3", [{"number": 0, "hash": H0}])
    server.queue(Reply(200, answer))
    with pytest.raises(BadResponse, match="404") as info:
        client(server).render(body(1))
    assert info.value.partial.region_hashes == [H0]
    assert info.value.partial.tokens_used == 10


# -- time -----------------------------------------------------------------------------------------
def test_a_server_dripping_its_answer_fails_at_the_deadline(server):
    server.queue(Reply(200, ok_payload(1), fault="drip", delay=2.0))
    started = time.monotonic()
    with pytest.raises(NetworkError, match="did not answer within 3 s") as info:
        client(server, timeout=3.0).render(body(1))
    # the answer is ~100 kB: at a byte per 2 s it would take days; the deadline ends it
    assert time.monotonic() - started < 30
    assert len(server.posts()) == 1
    assert_no_key(info.value)


def test_a_link_dripping_its_audio_fails_at_the_same_deadline(server, cdn):
    cdn.route("/slow.mp3", Reply(200, mp3_bytes(5.0), fault="drip", delay=2.0))
    server.queue(Reply(200, mcp_answer("url", f"http://127.0.0.2:{cdn.port}/slow.mp3")))
    with pytest.raises(NetworkError, match="within 3 s") as info:
        client(server, timeout=3.0).render(body(1))
    assert info.value.partial is not None and info.value.partial.soundtrack_hash == "st-9f8e7d6c"


def test_a_retry_after_date_in_2100_is_capped_and_said(server):
    server.queue(
        Reply(429, {"error": "slow down"}, {"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})
    )
    with pytest.raises(RateLimited) as info:
        client(server).render(body(1))
    assert info.value.retry_after == 3600
    assert "years" in info.value.message and "2305950485" not in info.value.message
    assert len(server.posts()) == 1


# -- account -------------------------------------------------------------------------------------
def test_account_in_the_openapi_shape(server):
    server.queue(
        Reply(
            200,
            {
                "accountId": "acc_123",
                "name": "Studio",
                "tokensRemaining": 5400,
                "tokensUsed": 600,
                "plan": "pro",
                "expiresAt": "2027-01-01T00:00:00Z",
                "createdAt": "2025-01-01T00:00:00Z",
            },
        )
    )
    account = client(server).account()
    assert (account.balance, account.used, account.plan) == (5400, 600, "pro")
    assert account.expires_at == "2027-01-01T00:00:00Z"
    assert "5,400 tokens left" in account.describe()


def test_account_in_the_prose_shape_never_keeps_the_echoed_key(server):
    server.queue(
        Reply(
            200,
            {
                "apiVersion": "1.2.0",
                "secretKey": KEY,
                "freeTokensAvailable": 300,
                "totalUsedTokens": 1200,
                "currentBalance": 12.5,
            },
        )
    )
    account = client(server).account()
    assert account.balance is None  # no tokensRemaining: a render is never refused on this
    assert (account.free_tokens, account.used, account.current_balance) == (300, 1200, 12.5)
    assert account.raw["secretKey"] == MASK
    assert KEY not in repr(account) + json.dumps(account.raw) + account.describe()


def test_masking_covers_secret_names_and_the_key_itself_but_not_keyframes():
    data = {
        "apiKey": "x",
        "key": "y",
        "clientSecret": "z",
        "nested": [{"SECRET_token": 1, "note": f"your key is {KEY}"}],
        "keyframes": [[0, 5]],
        "plain": KEY,
    }
    masked = mask_secrets(data, KEY)
    assert masked["apiKey"] == masked["key"] == masked["clientSecret"] == MASK
    assert masked["nested"][0]["SECRET_token"] == MASK
    assert masked["keyframes"] == [[0, 5]]
    assert KEY not in json.dumps(masked)


# -- through the command line ----------------------------------------------------------------------
@pytest.fixture
def song(tmp_path, monkeypatch):
    """A 6 s project (generate 0-3, silence 3-4, generate 4-6) and the key in the env."""
    from tests.test_cli import write_project

    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    return write_project(tmp_path / "song.muzaic")


def _render(song, out, server) -> int:
    from muzaic_studio.cli import main

    return main(["render", str(song), "-o", str(out), "--api-url", server.url])


def test_cli_truncated_audio_fails_keeps_the_hashes_and_the_previous_output(
    server, song, tmp_path, capsys
):
    out = tmp_path / "out.mp3"
    out.write_bytes(b"previous render")
    server.queue(Reply(200, ok_payload(3, audio=mp3_bytes(6.0)[:2000], audioDuration=6.0)))
    assert _render(song, out, server) == 4
    err = capsys.readouterr().err
    assert "of a 6.0 s soundtrack" in err and "--changes-only" in err
    assert out.read_bytes() == b"previous render"
    from muzaic_studio.model import Project

    assert [r.last_hash for r in Project.load(song).regions] == ["h0000", None, "h0002"]


def test_cli_never_writes_nan_into_the_project(server, song, tmp_path, capsys):
    server.queue(Reply(200, ok_payload(3, audio=mp3_bytes(6.0), audioDuration=math.nan)))
    assert _render(song, tmp_path / "out.mp3", server) == 0
    assert "audioDuration nan" in capsys.readouterr().err

    def refuse(name: str) -> float:
        raise AssertionError(f"{name} in the project file")

    saved = json.loads(song.read_text(), parse_constant=refuse)
    assert abs(saved["lastRender"]["audioDuration"] - 6.0) < 0.5


def test_cli_account_json_never_prints_the_echoed_key(server, song, capsys):
    from muzaic_studio.cli import main

    prose = {
        "apiVersion": "1.2.0",
        "secretKey": KEY,
        "freeTokensAvailable": 300,
        "totalUsedTokens": 1200,
        "currentBalance": 12.5,
    }
    server.queue(Reply(200, prose), Reply(200, prose))
    assert main(["account", "--json", "--api-url", server.url]) == 0
    printed = capsys.readouterr().out
    assert KEY not in printed and json.loads(printed)["freeTokensAvailable"] == 300
    assert main(["account", "--api-url", server.url]) == 0
    printed = capsys.readouterr().out
    assert "Free:    300 tokens" in printed and "Used:    1200 tokens" in printed
    assert "Balance: unknown" in printed and KEY not in printed
