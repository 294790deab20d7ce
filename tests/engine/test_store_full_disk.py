"""The region store on a full disk (a real one: a tiny tmpfs, see tests/full_disk.py): the
audio the disk refused stays in memory for the process, beyond the memory cache's size,
and the store says once, in words, that its folder is full."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

from tests.full_disk import on_full_disk

ROOT = Path(__file__).resolve().parents[2]

# Ten regions of 1 s (176 kB each) into a store whose memory cache holds 500 kB: on a disk
# with room, eight of them would leave memory for their files.
SCRIPT = textwrap.dedent(
    """
    import json, logging, sys
    import numpy as np
    from muzaic_studio.engine.store import RegionStore

    said = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    logging.getLogger("muzaic_studio.engine.store").addHandler(handler)
    store = RegionStore(sys.argv[1], memory_bytes=500_000)
    audio = {f"{i:032x}": np.full((44100, 2), i, np.int16) for i in range(10)}
    for h, a in audio.items():
        store.put_recipe(h, {"action": "generate", "duration": 1.0})
        store.put_audio(h, a)
    kept = [h for h, a in audio.items()
            if store.get_audio(h) is not None and np.array_equal(store.get_audio(h), a)]
    print(json.dumps({"kept": len(kept), "said": said,
                      "first": store.take_disk_problem(), "again": store.take_disk_problem()}))
    """
)


def test_a_full_store_keeps_the_audio_in_memory_and_says_so_once(tmp_path):
    folder = tmp_path / "engine-regions"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = on_full_disk(folder, [sys.executable, "-c", SCRIPT, str(folder)], env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["kept"] == 10  # was 2: the rest were gone, to be rendered again
    assert len(result["said"]) == 1 and "is full" in result["said"][0]
    assert result["first"] == result["said"][0] and result["again"] is None


SERVER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from muzaic_studio.api.cloud import MuzaicCloud
    from muzaic_studio.engine.server import start_server, stop_server

    server, thread = start_server(host="127.0.0.1", port=0, keys=["k" * 24],
                                  store_dir=sys.argv[1])
    try:
        client = MuzaicCloud(server.url, "k" * 24, max_retries=0)
        body = {"regions": [{"time": 0, "duration": 1.0, "action": "generate", "tags": [3]}]}
        first, second = client.render(body), client.render({**body, "normalize": False})
        print(json.dumps({"first": list(first.warnings), "second": list(second.warnings)}))
    finally:
        stop_server(server, thread)
    """
)


def test_a_server_on_a_full_cache_says_so_in_its_answer_once(tmp_path):
    """The GUI's engine child is such a server: its full region cache reaches the user as
    a warning on the render (was: only in the child's log)."""
    folder = tmp_path / "engine-regions"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = on_full_disk(folder, [sys.executable, "-c", SERVER_SCRIPT, str(folder)], env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert any("region cache" in w and "is full" in w for w in result["first"])
    assert not any("region cache" in w for w in result["second"])
