"""Child process of the playback tests and bench: a real `Player` plays a file by a script.

argv: audio path, duration, JSON script of [seconds after start, command, argument]
(commands: play, seek, pause, loop, mix; argument a number, a [start, end] pair, a mix
or null), output path. ``mix`` takes regions as [[time, duration, gain_db, fade_in,
fade_out], ...]: the first one opens a `ProjectDocument` of those regions and plugs its
live mix into the player (`ui.playback.mix_playback.MixFeed`, as the app does); the next
ones change the regions' mix through the document's undoable edit (`ui.mix_edits`), as
the Inspector or a released handle does; its event time is just before that edit. Writes {"log": [[monotonic time, playhead, playing], ...] every 10 ms,
"events": [[time, command, argument]], "messages": [...], "has_audio": bool,
"rss_peak_mb": float}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from muzaic_studio.model.mix import RegionMix
    from muzaic_studio.ui.document import ProjectDocument
    from muzaic_studio.ui.mix_edits import edit_mix
    from muzaic_studio.ui.playback.mix_playback import MixFeed
    from muzaic_studio.ui.playback.player import Player

    audio, duration, script, out = (
        sys.argv[1],
        float(sys.argv[2]),
        json.loads(sys.argv[3]),
        sys.argv[4],
    )
    app = QApplication([])
    player = Player()
    messages: list[str] = []
    player.message.connect(lambda text, kind: messages.append(f"{kind}: {text}"))
    player.set_source(audio, duration, keep_position=False)
    log: list[list[object]] = []
    events: list[list[object]] = []

    def sample() -> None:
        log.append([time.monotonic(), player.position, player.playing])

    def command(name: str, arg: object) -> None:
        events.append([time.monotonic(), name, arg])
        if name == "play":
            player.play(arg)  # type: ignore[arg-type]
        elif name == "seek":
            player.seek(float(arg))  # type: ignore[arg-type]
        elif name == "pause":
            player.pause()
        elif name == "loop":
            player.set_loop(tuple(arg) if arg else None)  # type: ignore[arg-type]
        elif name == "mix":
            mix(arg)  # type: ignore[arg-type]
        elif name == "quit":
            player.close()
            app.quit()

    docs: list[ProjectDocument] = []

    def mix(regions: list[list[float]]) -> None:
        if not docs:
            docs.append(mix_document(regions))
            feed = MixFeed(docs[0], Path(audio), 44100, 2)
            player.set_process(feed.live.process)
            return
        doc = docs[0]
        for region, (_t, _d, gain_db, fade_in, fade_out) in zip(
            doc.project.sorted_regions(), regions, strict=True
        ):
            wanted = RegionMix(gain_db=gain_db, fade_in=fade_in, fade_out=fade_out)
            edit_mix(doc, [region.uid], "Mix", lambda _m, _r, w=wanted: w)

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(10)
    for at, name, arg in script:
        QTimer.singleShot(round(at * 1000), lambda n=name, a=arg: command(n, a))
    app.exec()
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    result = {
        "log": log, "events": events, "messages": messages, "has_audio": player.has_audio,
        "rss_peak_mb": int(status["VmHWM"].split()[0]) / 1024,
    }  # fmt: skip
    Path(out).write_text(json.dumps(result))
    return 0


def mix_document(regions: list[list[float]]) -> object:
    """A document of *regions* ([time, duration, gain_db, fade_in, fade_out] each)."""
    from muzaic_studio.model import Project
    from muzaic_studio.model.mix import RegionMix, set_region_mix
    from muzaic_studio.model.region import Region
    from muzaic_studio.ui.document import ProjectDocument

    made = []
    for time_, duration, gain_db, fade_in, fade_out in regions:
        region = Region(time_, duration, tags=[1])
        set_region_mix(region, RegionMix(gain_db=gain_db, fade_in=fade_in, fade_out=fade_out))
        made.append(region)
    return ProjectDocument(Project(regions=made))


if __name__ == "__main__":
    sys.exit(main())
