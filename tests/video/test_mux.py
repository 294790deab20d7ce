from __future__ import annotations

import threading
from pathlib import Path

import pytest

from muzaic_studio.atomic import WriteError
from muzaic_studio.video import (
    Cancelled,
    ExportOptions,
    VideoError,
    containers_for,
    default_container,
    export_video,
    probe,
)
from muzaic_studio.video.mux import audio_filter
from tests.video.conftest import (
    DURATION,
    LOUD_UNTIL,
    MUSIC_HZ,
    decode_mono,
    picture_md5,
    tone_level,
)

RATE = 48000


@pytest.mark.parametrize("container", ["mp4", "mkv", "mov"])
def test_picture_copied_and_sound_replaced(
    cut_video: Path, music_mp3: Path, tmp_path: Path, container: str
) -> None:
    out = tmp_path / f"scored.{container}"
    reports: list[float] = []
    result = export_video(
        cut_video, music_mp3, out, ExportOptions(container=container), progress=reports.append
    )
    assert result == out and out.is_file()
    assert picture_md5(out) == picture_md5(cut_video)
    sound = decode_mono(out)
    # The 3 s render is padded with silence to the 4 s picture; AAC frames are 1024 samples.
    assert sound.size / RATE == pytest.approx(DURATION, abs=1100 / RATE)
    assert tone_level(sound, MUSIC_HZ, 0.5, 2.5) > 0.3  # the music (a 0.5 sine)
    assert tone_level(sound, 1000.0, 0.5, 1.5) < 0.01  # the original tone is gone
    assert tone_level(sound, MUSIC_HZ, 3.2, 3.9) < 0.01  # padded after the render ends
    assert reports[-1] == 1.0
    assert not list(tmp_path.glob(".*.part"))
    assert out.stat().st_mode & 0o044  # readable by others, not mkstemp's 0600


def test_mix_keeps_both(cut_video: Path, music_mp3: Path, tmp_path: Path) -> None:
    out = export_video(
        cut_video,
        music_mp3,
        tmp_path / "mix.mp4",
        ExportOptions(audio_mode="mix", original_gain_db=0.0),
    )
    sound = decode_mono(out)
    assert tone_level(sound, 1000.0, 0.5, 1.5) > 0.3
    assert tone_level(sound, MUSIC_HZ, 0.5, 1.5) > 0.3


def test_ducking_lowers_the_music_where_the_original_is_loud(
    cut_video: Path, music_mp3: Path, tmp_path: Path
) -> None:
    mix = decode_mono(
        export_video(cut_video, music_mp3, tmp_path / "m.mp4", ExportOptions(audio_mode="mix"))
    )
    duck = decode_mono(
        export_video(cut_video, music_mp3, tmp_path / "d.mp4", ExportOptions(audio_mode="duck"))
    )
    loud = (0.6, LOUD_UNTIL - 0.1)  # after the attack, while the original tone plays
    quiet = (LOUD_UNTIL + 0.6, 2.9)  # after the release, before the render ends
    music_loud_mix, music_loud_duck = (tone_level(s, MUSIC_HZ, *loud) for s in (mix, duck))
    music_quiet_mix, music_quiet_duck = (tone_level(s, MUSIC_HZ, *quiet) for s in (mix, duck))
    assert music_loud_duck < music_loud_mix * 0.35  # at least ~9 dB down under the original
    assert music_quiet_duck == pytest.approx(music_quiet_mix, rel=0.15)  # back up in the pause
    # The original itself is untouched by the ducking.
    assert tone_level(duck, 1000.0, *loud) == pytest.approx(
        tone_level(mix, 1000.0, *loud), rel=0.05
    )


def test_mix_and_duck_need_original_sound(
    silent_video: Path, music_mp3: Path, tmp_path: Path
) -> None:
    with pytest.raises(VideoError, match="no sound of its own"):
        export_video(silent_video, music_mp3, tmp_path / "x.mp4", ExportOptions(audio_mode="duck"))
    export_video(silent_video, music_mp3, tmp_path / "x.mp4")  # replace works
    assert not (tmp_path / "y.mp4").exists()


def test_refuses_to_overwrite_the_source(cut_video: Path, music_mp3: Path) -> None:
    with pytest.raises(VideoError, match="another file name"):
        export_video(cut_video, music_mp3, cut_video)


def test_needs_a_render(cut_video: Path, tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="render first"):
        export_video(cut_video, tmp_path / "none.mp3", tmp_path / "x.mp4")


def test_container_must_fit_the_codec(cut_video: Path) -> None:
    info = probe(cut_video)
    assert containers_for(info) == ["mp4", "mov", "mkv"]
    assert default_container(info) == "mp4"
    vp8 = info.__class__(**{**info.__dict__, "video_codec": "vp8", "path": Path("clip.webm")})
    assert containers_for(vp8) == ["mkv"]
    assert default_container(vp8) == "mkv"


def test_container_mismatch_is_explained(cut_video: Path, music_mp3: Path, tmp_path: Path) -> None:
    info = probe(cut_video)
    vp8 = info.__class__(**{**info.__dict__, "video_codec": "vp8"})
    with pytest.raises(VideoError, match="export as MKV"):
        export_video(
            cut_video, music_mp3, tmp_path / "x.mp4", ExportOptions(container="mp4"), info=vp8
        )


def test_unwritable_folder_is_a_write_error(
    cut_video: Path, music_mp3: Path, tmp_path: Path
) -> None:
    with pytest.raises(WriteError, match="does not exist"):
        export_video(cut_video, music_mp3, tmp_path / "no" / "such" / "x.mp4")


def test_cancel_leaves_nothing(cut_video: Path, music_mp3: Path, tmp_path: Path) -> None:
    target = tmp_path / "old.mp4"
    target.write_bytes(b"previous export")
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        export_video(
            cut_video,
            music_mp3,
            target,
            ExportOptions(audio_mode="duck"),
            cancel=cancel,
            progress=lambda _f: cancel.set(),
        )
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mp4"]


def test_filter_graph_shapes() -> None:
    assert "sidechaincompress" in audio_filter("duck", 4.0)
    assert "[0:a:0]" not in audio_filter("replace", 4.0)
    assert "amix" in audio_filter("mix", 4.0) and "sidechain" not in audio_filter("mix", 4.0)
    with pytest.raises(ValueError):
        audio_filter("louder", 4.0)


def test_the_app_mix_and_marker_chapters_go_into_the_video(
    cut_video: Path, music_mp3: Path, tmp_path: Path
) -> None:
    import subprocess

    from muzaic_studio.audio.ffmpeg import ffmpeg_exe
    from muzaic_studio.model.mix import RegionMix, set_region_mix
    from muzaic_studio.model.region import Region

    region = Region(0.0, 3.0)
    set_region_mix(region, RegionMix(gain_db=-20.0))
    out = export_video(
        cut_video,
        music_mp3,
        tmp_path / "scored.mkv",
        ExportOptions(
            container="mkv", mix_regions=(region,), chapters=((0.0, "Intro"), (2.0, "Door; slam"))
        ),
    )
    sound = decode_mono(out)
    assert tone_level(sound, MUSIC_HZ, 0.5, 2.5) == pytest.approx(0.5 * 10 ** (-20 / 20), rel=0.15)
    probe_exe = Path(ffmpeg_exe())
    listed = subprocess.run(
        [str(probe_exe), "-hide_banner", "-i", str(out), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert listed.count("[CHAPTER]") == 2
    assert "title=Intro" in listed and "title=Door\\; slam" in listed
    assert not list(tmp_path.glob(".*"))  # temp mix and chapter files are gone


def listed_chapters(path: Path) -> list[tuple[float, str]]:
    """(start s, title) of each chapter ffmpeg reads back from *path*."""
    import subprocess

    from muzaic_studio.audio.ffmpeg import ffmpeg_exe

    text = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    chapters: list[tuple[float, str]] = []
    for block in text.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        num, den = fields["TIMEBASE"].split("/")
        chapters.append((int(fields["START"]) * int(num) / int(den), fields.get("title", "")))
    return chapters


@pytest.mark.parametrize("container", ["mp4", "mkv"])
def test_a_first_marker_after_zero_keeps_its_time(
    cut_video: Path, music_mp3: Path, tmp_path: Path, container: str
) -> None:
    """MP4 stretches its first chapter back to 0:00, so a video whose first marker is at
    1 s jumped to 0:00 for it. A chapter for the opening comes first; each marker starts
    its own chapter at its own time."""
    out = export_video(
        cut_video,
        music_mp3,
        tmp_path / f"scored.{container}",
        ExportOptions(container=container, chapters=((1.0, "Door"), (2.5, "Chase"))),
    )
    starts = {title: start for start, title in listed_chapters(out)}
    assert starts["Door"] == pytest.approx(1.0, abs=0.01)
    assert starts["Chase"] == pytest.approx(2.5, abs=0.01)
    assert min(starts.values()) == 0.0  # the opening before the first marker
