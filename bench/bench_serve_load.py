"""`serve` under load: `python bench/bench_serve_load.py [--clients 50,200] [--workers 2]`.

Issue 14's goals: 50 and then 200 clients post realistic soundtracks (6-60 s, 1-4 regions,
random tags and params) at once to `muzaic-studio serve --workers 2`. Printed per round:
connection resets and 5xx (goal 0: exit 1 otherwise), 429s (a full render queue; the
client waits Retry-After and sends again, as a real client does), p50/p95 latency of a
soundtrack (first send to its 200, retries included), renders/s, and the peak RSS of the
server (parent + workers, sampled from /proc). The baseline, measured first in the same
run on the same server, is one client rendering the same kind of soundtrack alone:
throughput is printed as a ratio to it (2 workers on an idle 2-core machine approach 2x;
a machine shared with other jobs gets less, so the ratio is information, not a goal).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KEY = {"MuzaicAPI-Secret-Key": "bench-key"}


def soundtrack(rng: random.Random) -> dict:
    total = rng.uniform(6, 60)
    n = rng.randint(1, 4)
    cuts = sorted(rng.uniform(0, total) for _ in range(n - 1))
    bounds = [round(b, 2) for b in (0.0, *cuts, total)]  # rounded once: no overlaps
    regions = []
    for a, b in itertools.pairwise(bounds):
        if b - a < 0.5:
            continue
        region = {"time": a, "duration": round(b - a, 2), "action": "generate",
                  "method": rng.choice(["strict", "smart"]), "tags": rng.sample(range(1, 25), 2),
                  "params": {p: rng.randint(1, 10) for p in
                             ("intensity", "tempo", "tone", "variance", "rhythm")}}  # fmt: skip
        if rng.random() < 0.15:
            region = {"time": region["time"], "duration": region["duration"], "action": "silence"}
        regions.append(region)
    return {"regions": regions, "normalize": rng.random() < 0.5}


def _tree(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_total, self.peak_one = pid, 0.0, 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            sizes = [_rss_mb(p) for p in _tree(self.pid)]
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_one = max(self.peak_one, max(sizes, default=0.0))

    def reset(self) -> None:
        self.peak_total = self.peak_one = 0.0


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.resets = self.server_errors = self.busy = self.other = 0
        self.latencies: list[float] = []
        self.other_text = ""


def client(url: str, body: dict, tally: Tally) -> None:
    started = time.perf_counter()
    with requests.Session() as session:
        for _attempt in range(50):
            try:
                r = session.post(url + "/soundtrack", json=body, headers=KEY, timeout=900)
            except requests.ConnectionError:
                with tally.lock:
                    tally.resets += 1
                return
            if r.status_code == 429:
                with tally.lock:
                    tally.busy += 1
                time.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            with tally.lock:
                if r.status_code >= 500:
                    tally.server_errors += 1
                elif r.status_code != 200:
                    tally.other += 1
                    tally.other_text = r.text[:200]
                else:
                    tally.latencies.append(time.perf_counter() - started)
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="50,200")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="muzaic-bench-serve-")
    env = {**os.environ, "MUZAIC_STUDIO_HOME": home, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "muzaic_studio", "serve", "--port", "0", "--any-key",
         "--workers", str(args.workers), "--tokens", "100000000", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    failed = False
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split(" on ")[1].split(" ")[0]
        for _ in range(600):  # the workers import the engine before they answer
            try:
                requests.get(url + "/getTags", headers=KEY, timeout=60)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        sampler = RssSampler(proc.pid)
        sampler.start()
        rng = random.Random(14)
        # baseline: one client alone, sequentially (the same kind of soundtracks)
        solo = []
        for _ in range(4):
            t0 = time.perf_counter()
            r = requests.post(url + "/soundtrack", json=soundtrack(rng), headers=KEY, timeout=900)
            r.raise_for_status()
            solo.append(time.perf_counter() - t0)
        base = statistics.median(solo)
        print(f"serve.solo_render: median {base:.2f} s per soundtrack ({1 / base:.2f} renders/s)")
        for n in (int(c) for c in args.clients.split(",")):
            sampler.reset()
            tally = Tally()
            bodies = [soundtrack(rng) for _ in range(n)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(n) as pool:
                for body in bodies:
                    pool.submit(client, url, body, tally)
            wall = time.perf_counter() - t0
            lat = sorted(tally.latencies)
            p50 = statistics.median(lat) if lat else float("nan")
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan")
            rate = len(lat) / wall
            ok = tally.resets == 0 and tally.server_errors == 0 and len(lat) == n
            failed |= not ok
            print(
                f"serve.load_{n}_clients: {len(lat)}/{n} x 200, resets {tally.resets}, "
                f"5xx {tally.server_errors}, other {tally.other}, 429 retries {tally.busy}; "
                f"p50 {p50:.1f} s, p95 {p95:.1f} s; {rate:.2f} renders/s "
                f"({rate * base:.2f}x one client alone); peak RSS {sampler.peak_total:.0f} MB "
                f"all processes, {sampler.peak_one:.0f} MB largest; goal 0 resets, 0 5xx: "
                f"{'PASS' if ok else 'FAIL'}"
            )
            if tally.other_text:
                print(f"  e.g. {tally.other_text}")
        sampler.stop.set()
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
