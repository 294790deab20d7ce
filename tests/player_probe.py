"""Child process of the playback tests and bench: a real `Player` plays a file by a script.

argv: audio path, duration, JSON script of [seconds after start, command, argument]
(commands: play, seek, pause, loop; argument a number, a [start, end] pair or null),
output path. Writes {"log": [[monotonic time, playhead, playing], ...] every 10 ms,
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
        elif name == "quit":
            player.close()
            app.quit()

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


if __name__ == "__main__":
    sys.exit(main())
