"""The ASGI app behind `muzaic-studio serve`: routes, limits, and the JSON it answers.

`create_app(config)` builds one `ServeApp` per worker process: its routes, who may ask
(keys, origins, rate limit), the body limits and the render queue. What it answers, the
JSON of every success and refusal in the chosen dialect, is http_answers.ServeAnswers.

Work that blocks (synthesis, ffmpeg, the SQLite state) runs in threads, off the event
loop, so a render never delays another client's headers, keys or 429s. Renders wait in
a bounded queue per worker; when it is full the answer is 429 with Retry-After rather than
a connection the kernel resets.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from muzaic_studio import jsonsafe
from muzaic_studio.contract.errors import InvalidRequest, MuzaicError, Unauthorized
from muzaic_studio.engine import dialects
from muzaic_studio.engine.http_answers import KEY_HEADER, Refused, ServeAnswers

__all__ = ["KEY_HEADER", "ServeApp", "ServeConfig", "create_app", "find_app"]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20  # 1 MiB: ~5000 regions; anything larger is not a soundtrack
MAX_HEADER_BYTES = 16 << 10  # request line + headers
DEFAULT_QUEUE = 64  # renders waiting or running per worker before 429
BODY_TIMEOUT = 30.0  # seconds a client may stall mid-body before 408


@dataclass(frozen=True)
class ServeConfig:
    """Everything a worker needs; picklable, so `--workers N` hands it to each process."""

    state_path: str  # engine/state.SharedState file, made by whoever starts the server
    keys: dict[str, frozenset[str] | None] | None = None  # key -> origins (None: any)
    any_key: bool = True  # also accept keys not in `keys` (any origin --origins allows)
    origins: frozenset[str] | None = None  # allowed in /soundtrack/{origin}; None: any
    store_dir: str | None = None  # region store; None: the user's cache folder
    audio_dir: str | None = None  # answer renders with a file there (engine/service.py)
    max_body: int = MAX_BODY_BYTES
    queue: int = DEFAULT_QUEUE
    renders: int = 1  # renders at once per worker process (each is CPU-bound)
    body_timeout: float = BODY_TIMEOUT
    rate_limit: int = 0
    parent_pid: int | None = None  # a worker of `--workers N`: exit when this pid is gone
    dialect: str = "openapi"  # answer shape, engine/dialects.py
    links_dir: str | None = None  # where linked audio waits (docs/mcp), shared by workers


class ServeApp(ServeAnswers):
    """One worker's app: an ASGI callable wrapping Starlette; answers via ServeAnswers."""

    def __init__(self, config: ServeConfig, links: dialects.AudioLinks | None = None) -> None:
        self.config = config
        self.links = links or dialects.AudioLinks(directory=config.links_dir)
        self.engine: Any = None
        self.state: Any = None
        self._renders: anyio.CapacityLimiter | None = None
        self._queued = 0
        self._render_seconds = 2.0  # running mean, for Retry-After when the queue is full
        self.starlette = Starlette(
            routes=[
                Route("/soundtrack", self._soundtrack, methods=["POST"]),
                Route("/soundtrack/{origin}", self._soundtrack, methods=["POST"]),
                Route("/singleFile", self._single_file, methods=["POST"]),
                Route("/audioFromHash", self._audio_from_hash, methods=["POST"]),
                Route("/getTags", self._tags, methods=["GET"]),
                Route("/accountDetails", self._account, methods=["GET"]),
                Route("/result/{name}", self._result, methods=["GET"]),
            ],
            exception_handlers={
                HTTPException: self._on_http_exception,
                Exception: self._on_bug,
            },
            lifespan=self._lifespan,
        )
        self.starlette.router.redirect_slashes = False

    # Pickled for worker processes as its config alone; each worker builds its own app.
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])  # type: ignore[misc]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and len(scope["path"]) > 1 and scope["path"].endswith("/"):
            scope = {**scope, "path": scope["path"].rstrip("/") or "/"}
        await self.starlette(scope, receive, send)

    # ------------------------------------------------------------------ lifecycle

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        from muzaic_studio.engine import heap
        from muzaic_studio.engine.backend import OfflineEngine
        from muzaic_studio.engine.state import SharedState
        from muzaic_studio.engine.store import RegionStore

        heap.long_lived()  # this process renders many times: keep its heap from growing
        cfg = self.config
        self.state = SharedState(cfg.state_path, cfg.rate_limit)
        store = RegionStore(Path(cfg.store_dir)) if cfg.store_dir else None
        self.engine = OfflineEngine(store=store, ledger=self.state)
        self._renders = anyio.CapacityLimiter(max(1, cfg.renders))
        if cfg.parent_pid is not None:
            _exit_with_parent(cfg.parent_pid)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(self.engine.store.flush)
            self.state.close()

    # ------------------------------------------------------------------ plumbing

    def authorize(self, key: str | None, origin: str | None) -> str:
        keys = self.config.keys
        if not key:
            raise Unauthorized(f"Missing API key: send it in the {KEY_HEADER} header.")
        if keys is not None and key in keys:
            allowed = keys[key]
        elif self.config.any_key or keys is None:
            allowed = None
        else:
            raise Unauthorized("Invalid API key.")
        if origin is not None:
            if self.config.origins is not None and origin not in self.config.origins:
                raise Unauthorized(f"Origin {origin!r} is not allowed on this server.")
            if allowed is not None and origin not in allowed:
                raise Unauthorized(f"This API key is not valid for origin {origin!r}.")
        return key

    async def _admit(self, request: Request) -> None:
        origin = request.path_params.get("origin")
        key = self.authorize(request.headers.get(KEY_HEADER), origin)
        await anyio.to_thread.run_sync(self.state.check_rate, key)

    async def _body(self, request: Request) -> Any:
        """The JSON body, within the size limit and the stall timeout."""
        limit = self.config.max_body
        length = request.headers.get("content-length")
        chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
        if length is None and not chunked:
            raise Refused(411, "A POST needs a Content-Length header and a JSON body.")
        if length is not None and int(length) > limit:  # h11 checked it is a number
            raise Refused(413, f"Request body of {length} bytes exceeds the limit of {limit} bytes.",
                           {"Connection": "close"})  # fmt: skip
        raw = bytearray()
        try:
            with anyio.fail_after(self.config.body_timeout):
                async for chunk in request.stream():
                    raw += chunk
                    if len(raw) > limit:
                        raise Refused(413, f"Request body exceeds the limit of {limit} bytes.",
                                       {"Connection": "close"})  # fmt: skip
        except TimeoutError:
            raise Refused(408, "The request body did not arrive in time.",
                           {"Connection": "close"}) from None  # fmt: skip
        except ClientDisconnect:
            raise Refused(400, "The client went away before the body arrived.",
                           {"Connection": "close"}) from None  # fmt: skip
        request.state.body_read = True
        request.state.started = time.monotonic()
        if not raw.strip():
            raise Refused(400, "The request body is empty; send a JSON object.")
        try:
            request.state.json_body = jsonsafe.loads(bytes(raw))
            return request.state.json_body
        except jsonsafe.JSONError as exc:
            raise Refused(400, f"The request body is not valid JSON: {exc}.") from None

    async def _render(self, fn: Any, *args: Any) -> Any:
        """Run *fn* on a render thread, or refuse with 429 when this worker's queue is full."""
        assert self._renders is not None
        if self._queued >= self.config.queue:
            per = self._render_seconds * self._queued / self._renders.total_tokens
            retry = max(1, math.ceil(per))
            raise Refused(
                429,
                f"The server is busy ({self._queued} renders queued); retry in {retry} s.",
                {"Retry-After": str(retry)},
            )
        self._queued += 1
        try:
            async with self._renders:
                started = time.monotonic()
                result = await anyio.to_thread.run_sync(_then_trim, fn, *args)
                spent = time.monotonic() - started
                self._render_seconds = 0.8 * self._render_seconds + 0.2 * spent
                return result
        finally:
            self._queued -= 1

    async def _handle(self, request: Request, endpoint: str, work: Any) -> Response:
        try:
            await self._admit(request)
            payload = await work(request)
        except (MuzaicError, Refused) as exc:
            return self._refusal(request, exc)
        return self.answer(endpoint, payload, request=request)

    # ------------------------------------------------------------------ endpoints

    async def _soundtrack(self, request: Request) -> Response:
        async def work(req: Request) -> dict[str, Any]:
            body = await self._body(req)
            return await self._render(self._render_body, body)

        return await self._handle(request, "soundtrack", work)

    async def _single_file(self, request: Request) -> Response:
        async def work(req: Request) -> dict[str, Any]:
            body = await self._body(req)
            if not isinstance(body, dict):
                raise InvalidRequest("The request must be a JSON object {duration, tags, params}.")
            if "duration" not in body:
                raise InvalidRequest("duration: is required (seconds of music to generate)")
            region: dict[str, Any] = {"time": 0, "duration": body["duration"], "action": "generate"}
            for name in ("tags", "params"):
                if body.get(name) is not None:
                    region[name] = body[name]
            request_body = {"regions": [region], "normalize": body.get("normalize", False)}
            return await self._render(self._render_body, request_body)

        return await self._handle(request, "singleFile", work)

    async def _audio_from_hash(self, request: Request) -> Response:
        async def work(req: Request) -> dict[str, Any]:
            body = await self._body(req)
            # `sourceHash` as documented; `hash` from clients of before
            wanted = body.get("sourceHash", body.get("hash")) if isinstance(body, dict) else None
            if not isinstance(wanted, str) or not wanted:
                raise InvalidRequest('sourceHash: is required, e.g. {"sourceHash": "<hash>"}')
            result = await self._render(self.engine.stored_audio, wanted)
            return {
                "apiVersion": result.api_version,
                "hash": wanted,
                "audioDuration": result.audio_duration,
                "tokensUsed": 0,
                "mp3": _b64(result.mp3),
            }

        return await self._handle(request, "audioFromHash", work)

    async def _result(self, request: Request) -> Response:
        """GET /result/<id>.mp3: a link in a docs/mcp answer; no key, like a CDN."""
        found = await anyio.to_thread.run_sync(self.links.get, request.url.path)
        if found is None:
            return self.error(404, "No such result (it expired or never existed).")
        audio, content_type = found
        return Response(audio, 200, media_type=content_type)

    async def _tags(self, request: Request) -> Response:
        async def work(_req: Request) -> dict[str, Any]:
            return await anyio.to_thread.run_sync(self.engine.tags)

        return await self._handle(request, "getTags", work)

    async def _account(self, request: Request) -> Response:
        async def work(_req: Request) -> dict[str, Any]:
            acc = await anyio.to_thread.run_sync(self.engine.account)
            return {"balance": acc.balance, "used": acc.used, "apiVersion": acc.raw.get("engine")}

        return await self._handle(request, "accountDetails", work)

    def _render_body(self, body: Any) -> dict[str, Any]:
        """On a render thread: render, and build the 200 body (base64 or a file)."""
        from muzaic_studio.engine.server import soundtrack_response

        result = self.engine.render(body)
        audio_dir = Path(self.config.audio_dir) if self.config.audio_dir else None
        answer = soundtrack_response(result, self.engine.account().balance, audio_dir)
        # a full region cache, said once in the answer's `message`: the client shows it
        # as "the server also said" (the GUI's engine child has no other way to the user)
        problem = self.engine.store.take_disk_problem()
        if problem:
            answer["message"] = problem
        return answer


def create_app(config: ServeConfig, links: dialects.AudioLinks | None = None) -> ServeApp:
    """The app of one worker process (see ServeApp)."""
    return ServeApp(config, links)


def find_app(app: Any) -> ServeApp | None:
    """The ServeApp inside uvicorn's middleware wrappers (they keep it as `.app`)."""
    for _ in range(8):
        if isinstance(app, ServeApp):
            return app
        app = getattr(app, "app", None)
    return None


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _exit_with_parent(parent: int) -> None:
    """A worker of `--workers N` stops (SIGTERM to itself) when its parent is gone, even
    if that happened while the worker was still starting."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _then_trim(fn: Any, *args: Any) -> Any:
    """fn(*args), then the freed heap back to the system (engine/heap.py), even on error."""
    from muzaic_studio.engine import heap

    try:
        return fn(*args)
    finally:
        heap.trim()
