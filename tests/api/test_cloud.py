"""MuzaicCloud against a real HTTP server on 127.0.0.1 scripted with the cloud's failure modes."""

from __future__ import annotations

import base64
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from muzaic_studio.api.cloud import KEY_HEADER, MAX_READ_TIMEOUT, MuzaicCloud
from muzaic_studio.api.outcomes import retry_after_seconds
from muzaic_studio.contract.audio import audio_format
from muzaic_studio.contract.errors import (
    BadResponse,
    Cancelled,
    InsecureConnection,
    InsufficientTokens,
    InvalidKey,
    InvalidRequest,
    NetworkError,
    RateLimited,
    ServerError,
    Unauthorized,
)
from muzaic_studio.model import Project, Region
from muzaic_studio.model.schema import request_schema
from tests.api.helpers import (
    KEY,
    answer_render,
    assert_no_key,
    body,
    mp3_bytes,
    ok_payload,
    ok_reply,
    region,
    wav_bytes,
)
from tests.api.recording_server import RecordingServer, Reply, free_port
from tests.model.strategies import projects


def client(srv: RecordingServer, **kw) -> MuzaicCloud:
    kw.setdefault("timeout", 5.0)
    return MuzaicCloud(srv.url, KEY, **kw)


def assert_sent_properly(srv: RecordingServer, sent: dict) -> None:
    """Every recorded soundtrack POST is the body sent, valid per the seed, with the key."""
    posts = srv.posts()
    assert posts
    for rec in posts:
        assert rec.header(KEY_HEADER) == KEY
        assert rec.header("Content-Type") == "application/json"
        jsonschema.validate(rec.json, request_schema())
        assert rec.json == sent


# -- 200 ------------------------------------------------------------------------------------
def test_render_base64_mp3(server):
    server.queue(ok_reply(2, soundtrackHash="st1"))
    sent = body(2)
    result = client(server).render(sent)
    assert result.mp3 == mp3_bytes(10.0)
    assert result.audio_format == "mp3"
    assert result.region_hashes == ["h0000", "h0001"]
    assert result.audio_duration == 10.0
    assert result.tokens_used == 10
    assert result.status == ["ok"]
    assert result.api_version == "1.0.0"
    assert result.soundtrack_hash == "st1"
    assert [r.path for r in server.requests] == ["/soundtrack"]
    assert_sent_properly(server, sent)


def test_render_a_project_sends_its_request_body(server):
    project = Project(
        regions=[
            Region(4.0, 2.0, action="copy", source_hash="abc", name="outro", color="#fff"),
            Region(0.0, 4.0, tags=[3], name="intro"),
        ],
        normalize=False,
    )
    server.queue(ok_reply(2, audio=mp3_bytes(6.0), audioDuration=6.0))
    client(server).render(project)
    assert_sent_properly(server, project.request_body())
    sent = server.posts()[0].json
    assert [r["time"] for r in sent["regions"]] == [0.0, 4.0]
    assert all("name" not in r and "color" not in r for r in sent["regions"])


def test_render_wav_base64_and_duration_alias(server):
    payload = ok_payload(1, mp3=None, wav=base64.b64encode(wav_bytes(5.0)).decode())
    payload["duration"] = payload.pop("audioDuration")
    server.queue(Reply(200, payload))
    result = client(server).render(body(1))
    assert result.mp3 == wav_bytes(5.0)
    assert result.audio_format == "wav"
    assert result.audio_duration == 5.0


def test_render_url_on_the_api_host_is_fetched_with_the_key(server):
    server.route("/files/out.mp3", Reply(200, mp3_bytes(5.0), {"Content-Type": "audio/mpeg"}))
    server.queue(ok_reply(1, mp3=None, audioUrl="/files/out.mp3"))
    result = client(server).render(body(1))
    assert result.mp3 == mp3_bytes(5.0)
    download = server.requests[1]
    assert (download.method, download.path) == ("GET", "/files/out.mp3")
    assert download.header(KEY_HEADER) == KEY
    assert "audio/" in download.header("Accept")
    assert server.requests[0].header("Accept") == "application/json"


def test_render_url_on_another_host_is_fetched_without_the_key(server):
    with RecordingServer() as cdn:
        cdn.route("/a.mp3", Reply(200, mp3_bytes(10.0)))
        server.queue(ok_reply(2, mp3=None, url=f"http://localhost:{cdn.port}/a.mp3"))
        result = client(server).render(body(2))
        assert result.mp3 == mp3_bytes(10.0)
        assert len(cdn.requests) == 1
        assert cdn.requests[0].header(KEY_HEADER) is None


def test_a_redirect_to_another_host_does_not_carry_the_key(server):
    with RecordingServer() as cdn:
        cdn.route("/real.mp3", Reply(200, mp3_bytes(5.0)))
        server.route(
            "/files/x.mp3", Reply(302, b"", {"Location": f"http://localhost:{cdn.port}/real.mp3"})
        )
        server.queue(ok_reply(1, mp3=None, url="/files/x.mp3"))
        assert client(server).render(body(1)).mp3 == mp3_bytes(5.0)
        assert server.requests[1].header(KEY_HEADER) == KEY  # same host as the API
        assert cdn.requests[0].header(KEY_HEADER) is None


def test_a_redirected_post_is_not_followed(server):
    server.queue(Reply(307, b"", {"Location": "http://localhost:1/soundtrack"}))
    with pytest.raises(BadResponse, match="redirect") as info:
        client(server).render(body(1))
    assert len(server.requests) == 1
    assert_no_key(info.value)


def test_download_that_is_not_audio_is_refused(server):
    server.route("/x.mp3", Reply(200, b"<html>login</html>", {"Content-Type": "text/html"}))
    server.queue(ok_reply(1, mp3=None, url="/x.mp3"))
    with pytest.raises(BadResponse, match="not MP3 or WAV"):
        client(server).render(body(1))


def test_failed_download_is_a_clear_error_that_keeps_the_paid_hashes(server):
    server.route("/gone.mp3", Reply(404, b"not found"))
    server.queue(ok_reply(2, mp3=None, url="/gone.mp3"))
    with pytest.raises(BadResponse, match="404") as info:
        client(server).render(body(2))
    partial = info.value.partial
    assert partial is not None and partial.mp3 == b""
    assert (partial.region_hashes, partial.tokens_used) == (["h0000", "h0001"], 10)
    assert_no_key(info.value)


def test_errors_before_the_render_carry_no_partial_result(server):
    server.queue(Reply(500, {"error": "x"}), ok_reply(1, mp3="@@@"))
    with pytest.raises(ServerError) as info:
        client(server).render(body(1))
    assert info.value.partial is None
    with pytest.raises(BadResponse) as info:  # bad inline audio: no usable result at all
        client(server).render(body(1))
    assert info.value.partial is not None  # ...but the hashes came back and were paid for


# -- error statuses ----------------------------------------------------------------------------
def test_400_keeps_the_server_error_text(server):
    server.queue(Reply(400, {"error": "Region 2: tag 999 does not exist"}))
    with pytest.raises(InvalidRequest, match="tag 999 does not exist") as info:
        client(server).render(body(2))
    assert info.value.exit_code == 2
    assert len(server.requests) == 1
    assert_no_key(info.value)


def test_401_says_how_to_fix_and_never_echoes_the_key(server):
    server.queue(Reply(401, {"error": f"invalid key {KEY}"}))
    with pytest.raises(Unauthorized, match="key set") as info:
        client(server, origin="studio").render(body(1))
    assert "studio" in info.value.message
    assert "<key>" in info.value.message  # the server's echo of the key was redacted
    assert info.value.exit_code == 3
    assert_no_key(info.value)


def test_402_reports_needed_and_left(server):
    server.queue(Reply(402, {"error": "insufficient tokens", "needed": 30, "balance": 12}))
    with pytest.raises(InsufficientTokens) as info:
        client(server).render(body(2))
    assert info.value.message.startswith("Not enough tokens: 30 needed, 12 left")
    assert (info.value.needed, info.value.balance) == (30, 12)
    assert info.value.exit_code == 3


def test_402_without_numbers_estimates_what_was_needed(server):
    server.queue(Reply(402, "Payment Required", {"Content-Type": "text/plain"}))
    sent = {"regions": [region(0, 7.5), region(7.5, 3, action="silence")], "normalize": True}
    with pytest.raises(InsufficientTokens, match="Not enough tokens: 8 needed") as info:
        client(server).render(sent)
    assert info.value.balance is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_a_server_error_and_the_post_is_not_repeated(server, status):
    server.queue(Reply(status, {"error": "upstream exploded"}), ok_reply(1))
    with pytest.raises(ServerError, match=str(status)) as info:
        client(server).render(body(1))
    time.sleep(0.2)
    assert len(server.posts()) == 1
    assert info.value.exit_code == 4
    assert_no_key(info.value)


def test_429_is_retried_after_retry_after_seconds(server):
    server.queue(Reply(429, {"error": "slow down"}, {"Retry-After": "0.3"}), ok_reply(1))
    started = time.monotonic()
    result = client(server).render(body(1))
    posts = server.posts()
    assert len(posts) == 2
    assert posts[1].at - posts[0].at >= 0.28
    assert result.region_hashes == ["h0000"]
    assert time.monotonic() - started < 3


def test_retry_now_ends_the_wait_of_that_request_thread_only(server):
    """The editor's "Try now": the render's wait ends at once; a wait of the client's
    other requests (another thread) is not ended by it."""
    server.queue(Reply(429, {"error": "slow down"}, {"Retry-After": "30"}), ok_reply(1))
    c = client(server)
    told = threading.Event()
    c.on_retry = lambda _words, _seconds: told.set()
    results = []
    worker = threading.Thread(target=lambda: results.append(c.render(body(1))))
    worker.start()
    try:
        assert told.wait(10)
        c.retry_now(threading.get_ident())  # not the waiting thread: it keeps waiting
        time.sleep(0.3)
        assert len(server.posts()) == 1
        c.retry_now(worker.ident)
        worker.join(10)  # not the 30 s the server asked for
        assert not worker.is_alive() and results[0].region_hashes == ["h0000"]
        assert len(server.posts()) == 2
    finally:
        c.retry_now(worker.ident)
        worker.join(30)


def test_429_retry_after_http_date(server):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    server.queue(Reply(429, {"error": "slow"}, {"Retry-After": when}), ok_reply(1))
    client(server).render(body(1))
    assert len(server.posts()) == 2


def test_429_retries_are_bounded(server):
    server.queue(*[Reply(429, {"error": "slow"}, {"Retry-After": "0"}) for _ in range(5)])
    with pytest.raises(RateLimited) as info:
        client(server, max_retries=2).render(body(1))
    assert len(server.posts()) == 3  # the first try and 2 retries
    assert info.value.retry_after == 0
    assert info.value.exit_code == 4


def test_429_with_a_long_wait_is_not_retried_but_reported(server):
    server.queue(Reply(429, {"error": "slow"}, {"Retry-After": "3600"}), ok_reply(1))
    with pytest.raises(RateLimited, match="3600 s") as info:
        client(server).render(body(1))
    assert info.value.retry_after == pytest.approx(3600)
    assert len(server.posts()) == 1


def test_429_without_retry_after_is_not_retried(server):
    server.queue(Reply(429, {"error": "slow"}), ok_reply(1))
    with pytest.raises(RateLimited) as info:
        client(server).render(body(1))
    assert info.value.retry_after is None
    assert len(server.posts()) == 1


def test_cancel_interrupts_the_wait_before_a_429_retry(server):
    server.queue(Reply(429, {"error": "slow"}, {"Retry-After": "30"}))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled, match="no tokens were spent"):
        client(server).render(body(1), cancel=cancel)
    assert time.monotonic() - started < 2
    assert len(server.posts()) == 1


def test_unknown_status_404_413_403(server):
    server.queue(
        Reply(418, {"error": "teapot"}),
        Reply(404, "nope"),
        Reply(413, {"error": "body over 1 MB"}),
        Reply(403, {"error": "origin not allowed"}),
    )
    with pytest.raises(BadResponse, match="418"):
        client(server).render(body(1))
    with pytest.raises(BadResponse, match=r"404.*origin"):
        client(server, origin="o").render(body(1))
    with pytest.raises(InvalidRequest, match=r"too large.*body over 1 MB"):
        client(server).render(body(1))
    with pytest.raises(Unauthorized, match="origin not allowed"):
        client(server).render(body(1))
    assert len(server.posts()) == 4


# -- network faults ------------------------------------------------------------------------------
def test_timeout_is_a_network_error_and_is_not_retried(server):
    server.queue(Reply(200, ok_payload(1), delay=3.0), ok_reply(1))
    started = time.monotonic()
    with pytest.raises(NetworkError, match=r"did not answer within 0\.3 s") as info:
        client(server, timeout=0.3).render(body(1))
    assert time.monotonic() - started < 2
    assert "not sent again" in info.value.message
    time.sleep(0.3)
    assert len(server.posts()) == 1
    assert_no_key(info.value)


def test_connection_refused_is_retried_then_reported():
    port = free_port()
    started = time.monotonic()
    with pytest.raises(NetworkError, match="refused") as info:
        MuzaicCloud(f"http://127.0.0.1:{port}", KEY, max_retries=1).render(body(1))
    assert time.monotonic() - started >= 0.45  # one backoff before the retry
    assert info.value.exit_code == 4
    assert_no_key(info.value)


def test_connection_refused_then_up_succeeds_with_a_single_post():
    port = free_port()
    servers: list[RecordingServer] = []

    def come_up() -> None:
        srv = RecordingServer(port)
        srv.queue(ok_reply(1))
        servers.append(srv.start())

    threading.Timer(0.2, come_up).start()
    started = time.monotonic()
    try:
        result = MuzaicCloud(f"http://127.0.0.1:{port}", KEY, timeout=5).render(body(1))
        assert time.monotonic() - started >= 0.45  # the first try was refused, then retried
        assert result.region_hashes == ["h0000"]
        assert len(servers[0].posts()) == 1
    finally:
        for srv in servers:
            srv.stop()


def test_connection_cut_mid_answer_is_not_retried(server):
    server.queue(Reply(200, ok_payload(2), fault="cut"), ok_reply(2))
    with pytest.raises(NetworkError, match="cut") as info:
        client(server).render(body(2))
    assert "tokens" in info.value.message
    time.sleep(0.2)
    assert len(server.posts()) == 1
    assert_no_key(info.value)


def test_connection_dropped_without_answer_is_not_retried(server):
    server.queue(Reply(fault="close"), ok_reply(1))
    with pytest.raises(NetworkError, match=r"lost|cut") as info:
        client(server).render(body(1))
    time.sleep(0.2)
    assert len(server.posts()) == 1
    assert_no_key(info.value)


def test_cancel_stops_waiting_promptly_and_warns_about_tokens(server):
    server.queue(Reply(200, ok_payload(1), delay=5.0))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled, match="may still finish it and charge") as info:
        client(server, timeout=10).render(body(1), cancel=cancel)
    assert time.monotonic() - started < 1.0
    assert info.value.exit_code == 1


def test_already_cancelled_sends_nothing(server):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled, match="no tokens"):
        client(server).render(body(1), cancel=cancel)
    assert server.requests == []


def test_render_with_cancel_event_still_returns_the_result(server):
    server.queue(ok_reply(1))
    assert client(server).render(body(1), cancel=threading.Event()).tokens_used == 5


# -- bad 200 answers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (Reply(200, "<html>gateway</html>", {"Content-Type": "text/html"}), "not JSON"),
        (Reply(200, [1, 2]), "not a JSON object"),
        (Reply(200, {"error": "quota job failed"}), "without a soundtrack: quota job failed"),
        (Reply(200, {"Error": "Invalid region 0"}), "without a soundtrack: Invalid region 0"),
        (ok_reply(1, mp3=None), "no audio"),
        (ok_reply(1, mp3="!!not base64!!"), "not valid base64"),
        (ok_reply(1, audio=b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "not MP3 or WAV"),
        (ok_reply(1, audio=b""), "no audio"),
        (ok_reply(1, audio=b"ID3\x04\x00\x00\x00\x00\x00\x00"), "not MP3 or WAV"),
        (ok_reply(1, wav=123, mp3=None), "neither base64 nor a link"),
        (ok_reply(1, audio=mp3_bytes(2.0)), "sent 2.1 s of a 5.0 s soundtrack"),
    ],
)
def test_unusable_200_answers_are_bad_responses(server, reply, match):
    server.queue(reply)
    with pytest.raises(BadResponse, match=match) as info:
        client(server).render(body(1))
    assert info.value.exit_code == 4
    assert_no_key(info.value)


def test_base64_with_newlines_and_urlsafe_alphabet_is_accepted(server):
    raw = base64.b64encode(mp3_bytes(5.0)).decode()
    wrapped = "\n".join(raw[i : i + 76] for i in range(0, len(raw), 76))
    urlsafe = base64.urlsafe_b64encode(mp3_bytes(5.0)).decode().rstrip("=")
    server.queue(ok_reply(1, mp3=wrapped), ok_reply(1, mp3=urlsafe))
    assert client(server).render(body(1)).mp3 == mp3_bytes(5.0)
    assert client(server).render(body(1)).mp3 == mp3_bytes(5.0)


# -- what is sent -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def echo_server():
    with RecordingServer() as srv:
        yield srv


@given(projects(allow_keyframes=False))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_body_sent_is_valid_against_the_seed_schema_and_keyed(echo_server, project):
    start = len(echo_server.requests)
    echo_server.queue(answer_render)
    result = MuzaicCloud(echo_server.url, KEY, timeout=5).render(project)
    (rec,) = echo_server.requests[start:]
    assert rec.header(KEY_HEADER) == KEY
    jsonschema.validate(rec.json, request_schema())
    assert rec.json == project.request_body()
    assert len(result.region_hashes) == len(project.regions)


# -- the key -----------------------------------------------------------------------------------------
def test_plain_http_is_refused_for_a_remote_host():
    with pytest.raises(InsecureConnection, match="https") as info:
        MuzaicCloud("http://m10.muzaic.ai", KEY)
    assert_no_key(info.value)
    for url in ("http://localhost:9", "http://127.0.0.1:9", "http://127.3.4.5", "http://[::1]:9"):
        assert MuzaicCloud(url, KEY).base_url == url
    assert MuzaicCloud("https://m10.muzaic.ai/", KEY).base_url == "https://m10.muzaic.ai"


@pytest.mark.parametrize(
    "url",
    ["ftp://x", "m10.muzaic.ai", "https://user:pw@host", "https://h:99999", "https://h?x=1", ""],
)
def test_bad_api_addresses(url):
    if url == "":
        assert MuzaicCloud(url, KEY).base_url == "https://m10.muzaic.ai"
        return
    with pytest.raises(InvalidRequest):
        MuzaicCloud(url, KEY)


def test_the_key_is_not_in_repr_or_str_of_the_client():
    cloud = MuzaicCloud("https://m10.muzaic.ai", KEY, origin="web")
    assert KEY not in repr(cloud) and KEY not in str(cloud)
    assert "hidden" in repr(cloud)
    assert KEY not in cloud.soundtrack_url


@pytest.mark.parametrize("bad", ["", "   ", "abc def", "abc\ndef", "kéy", "x" * 600])
def test_a_key_that_cannot_be_a_header_is_refused_without_echoing_it(bad):
    with pytest.raises(InvalidKey) as info:
        MuzaicCloud("https://m10.muzaic.ai", bad)
    if bad.strip():
        assert bad not in str(info.value)


def test_no_key_is_unauthorized():
    with pytest.raises(Unauthorized, match="key set"):
        MuzaicCloud("https://m10.muzaic.ai", None)


def test_the_key_never_reaches_the_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.queue(Reply(429, {"error": KEY}, {"Retry-After": "0"}), Reply(500, {"error": KEY}))
    with pytest.raises(ServerError) as info:
        client(server).render(body(1))
    assert_no_key(info.value)
    assert "soundtrack" in caplog.text or "render" in caplog.text  # logging did happen
    assert KEY not in caplog.text


def test_origin_is_url_quoted_in_the_path(server):
    server.queue(ok_reply(1), ok_reply(1))
    client(server, origin="my site/ä?x#y").render(body(1))
    client(server, origin="  ").render(body(1))
    assert server.requests[0].path == "/soundtrack/my%20site%2F%C3%A4%3Fx%23y"
    assert server.requests[1].path == "/soundtrack"


# -- timeouts ---------------------------------------------------------------------------------------
def test_read_timeout_grows_with_the_soundtrack_and_is_capped():
    cloud = MuzaicCloud("https://m10.muzaic.ai", KEY)
    one_min = cloud.render_read_timeout({"regions": [region(0, 60)]})
    twenty_min = cloud.render_read_timeout({"regions": [region(0, 600), region(600, 600)]})
    assert one_min == 75
    assert twenty_min == 360  # ~2.5x the slowest documented generation (7 s per minute)
    assert twenty_min >= 20 * 7 * 2
    assert cloud.render_read_timeout({"regions": [region(0, 10**6)]}) == MAX_READ_TIMEOUT
    assert MuzaicCloud("https://x.org", KEY, timeout=3).render_read_timeout(body(1)) == 3


# -- other endpoints -------------------------------------------------------------------------------
def test_tags_and_account(server):
    tags = {"tags": [{"id": 1, "name": "Calm", "tagCategoryId": 2}], "tagsRelations": {}}
    server.queue(Reply(200, tags), Reply(200, {"tokensRemaining": "120", "tokensUsed": 30.0}))
    cloud = client(server)
    assert cloud.tags() == tags
    account = cloud.account()
    assert (account.balance, account.used) == (120, 30)
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/getTags"),
        ("GET", "/accountDetails"),
    ]
    assert all(r.header(KEY_HEADER) == KEY for r in server.requests)


def test_tags_errors(server):
    server.queue(Reply(200, {"nope": 1}), Reply(401, {"error": "bad key"}))
    with pytest.raises(BadResponse, match="tags"):
        client(server).tags()
    with pytest.raises(Unauthorized, match="bad key"):
        client(server).tags()


def test_audio_from_hash(server):
    server.queue(Reply(200, {"mp3": base64.b64encode(mp3_bytes()).decode()}))
    assert client(server).audio_from_hash("abc123") == mp3_bytes()
    assert server.requests[0].path == "/audioFromHash"
    assert server.requests[0].json == {"sourceHash": "abc123"}
    with pytest.raises(InvalidRequest):
        client(server).audio_from_hash(" ")


# -- helpers ---------------------------------------------------------------------------------------
def test_retry_after_parsing():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("5") == 5
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("-3") == 0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=90), usegmt=True), now) == 0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("nan") is None


def test_audio_format_sniffing():
    assert audio_format(mp3_bytes()) == "mp3"
    assert mp3_bytes()[:3] == b"ID3"  # ffmpeg writes a tag: the tag path is exercised
    size = 0
    for b in mp3_bytes()[6:10]:
        size = (size << 7) | b
    tag_len = 10 + size
    assert audio_format(mp3_bytes()[tag_len:]) == "mp3"  # a bare frame sync
    assert audio_format(wav_bytes()) == "wav"
    for junk in (b"", b"ID3", b"RIFF\0\0\0\0AVI ", b"\xff\xff\xff\xff", b"{}", b"\xff\xfb\xf0\x00"):
        assert audio_format(junk) is None, junk


def test_a_localhost_name_that_resolves_off_the_machine_gets_no_key(monkeypatch):
    """Was: any `*.localhost` name passed by its spelling, though the system resolver (DNS)
    may send it anywhere: the key went out over plain http."""
    import socket

    real = socket.getaddrinfo

    def resolver(host, *args, **kw):
        if host == "evil.localhost":  # what a hostile or broken DNS answers
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.99", 0))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(InsecureConnection) as info:
        MuzaicCloud("http://evil.localhost:8765", KEY)
    assert_no_key(info.value)
    assert MuzaicCloud("http://localhost:8765", KEY).base_url == "http://localhost:8765"
