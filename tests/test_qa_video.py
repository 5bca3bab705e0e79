"""The QA video: a real headless QA run captured into MP4s (H.264 + AAC) and PNG frames, and a
real session recording exported to one; checked by decoding them with PyAV."""

from __future__ import annotations

import asyncio
import gzip
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
import soxr
from conftest import eventually, null_player, render_loop, speech_clip

from avatar_player.client import AvatarError, Phase
from avatar_player.models.timeline import Timeline
from avatar_player.player import ConversationChange, ConversationState, StateChangeReason
from avatar_player.player.recording import Recording, error_to_json
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import VECTOR_SIZE
from avatar_player.qa.options import parse_options
from avatar_player.qa.recording_report import report_of_recording
from avatar_player.qa.run import ClipInfo, QaRun
from avatar_player.render.offscreen import OffscreenUnavailable
from avatar_player.render.png import read_png
from avatar_player.watch.recording_export import (
    export_recording,
    read_recording,
)
from avatar_player.watch.video import ExportError, VideoWriter

FPS = 25.0
SIZE = (320, 180)
RATE = 16000
CLIP_S = 2.0
RECORDED_S = 1.5


@dataclass(frozen=True)
class Captured:
    """A finished QA run and what its frames and audio were written to."""

    run: QaRun
    plain: Path
    overlaid: Path
    frames_dir: Path
    frames: int
    clip: np.ndarray

    @property
    def timeline(self) -> Timeline:
        return self.run.recorder.timeline


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Captured:
    """One QA run of a 2 s clip, its frames fed to two writers: plain, and overlaid + PNGs."""
    folder = tmp_path_factory.mktemp("qa_video")
    clip = speech_clip(folder, CLIP_S)
    options = parse_options(
        [str(clip), "--tier", "minimal", "--size", "320x180", "--rate", str(RATE), "--report", "-"]
    )
    run = QaRun(options, ClipInfo.load(clip, RATE))
    plain = VideoWriter(folder / "plain.mp4", SIZE, FPS, RATE)
    overlaid = VideoWriter(
        folder / "overlay.mp4", SIZE, FPS, RATE, overlay=True, frames_dir=folder / "frames"
    )
    sinks = [writer.frame_sink(run.recorder.timeline) for writer in (plain, overlaid)]

    def on_pixels(t: float, rgba: np.ndarray) -> None:
        for sink in sinks:
            sink(t, rgba)

    run.recorder.on_pixels = on_pixels
    run.capture = True
    try:
        asyncio.run(run.run())
    except OffscreenUnavailable as error:
        pytest.skip(f"no OpenGL context here: {error}")
    for writer in (plain, overlaid):
        writer.finish(run.recorder.timeline)
    assert not run.findings, run.findings
    return Captured(
        run,
        folder / "plain.mp4",
        folder / "overlay.mp4",
        folder / "frames",
        plain.frames,
        sf.read(clip, dtype="int16")[0],
    )


def decode_video(path: Path) -> tuple[list[float], list[np.ndarray]]:
    """Each video frame's media time and RGB pixels."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    return [float(f.time) for f in frames], [f.to_ndarray(format="rgb24") for f in frames]


def decode_audio(path: Path) -> tuple[int, float, np.ndarray]:
    """The audio stream's rate, the media time of its first sample, and its samples (-1..1)."""
    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    samples = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
    return frames[0].sample_rate, float(frames[0].time), samples.astype(np.float64)


def expected_audio(timeline: Timeline) -> np.ndarray:
    """The played audio (-1..1) at media time 0 = the first frame's presentation."""
    t0, pcm = timeline.played_audio()
    start = round((t0 - timeline.frames[0].t) * timeline.sample_rate)
    assert start >= 0  # a frame is rendered before the player connects
    return np.concatenate([np.zeros(start), pcm / 32768.0])


def media_frames(timeline: Timeline) -> int:
    """Frames a video of `timeline` has: to the end of its last frame or of its audio."""
    first, last = timeline.frames[0].t, timeline.frames[-1].t
    t0, pcm = timeline.played_audio()
    audio_end_s = t0 - first + pcm.size / timeline.sample_rate
    return max(round((last - first) * FPS) + 1, math.ceil(audio_end_s * FPS))


def alignment(decoded: np.ndarray, expected: np.ndarray, max_lag: int) -> tuple[int, float]:
    """The lag (samples) of `decoded` behind `expected` and the SNR (dB) at that lag."""
    reference = expected[max_lag : expected.size - max_lag]
    correlation = [
        float(np.dot(decoded[max_lag + lag : max_lag + lag + reference.size], reference))
        for lag in range(-max_lag, max_lag + 1)
    ]
    lag = int(np.argmax(correlation)) - max_lag
    window = decoded[max_lag + lag : max_lag + lag + reference.size]
    error = window - reference
    return lag, 10.0 * np.log10(np.sum(reference**2) / np.sum(error**2))


def test_the_video_runs_from_the_first_frame_to_the_last_at_a_constant_rate(
    captured: Captured,
) -> None:
    times, _ = decode_video(captured.plain)
    frames = list(captured.timeline.frames)
    span_s = frames[-1].t - frames[0].t + 1.0 / FPS
    assert span_s > CLIP_S  # the lead-in (connect, jitter buffer), the clip, the end
    with av.open(str(captured.plain)) as container:
        stream = container.streams.video[0]
        duration_s = float(stream.duration * stream.time_base)
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert (stream.codec_context.width, stream.codec_context.height) == SIZE
        assert stream.average_rate == FPS
    assert abs(duration_s - span_s) <= 1.0 / FPS
    assert len(times) == media_frames(captured.timeline) == round(duration_s * FPS)
    assert np.allclose(np.diff(times), 1.0 / FPS)  # constant frame rate
    assert len(times) >= captured.frames - 2  # frames come at about the frame rate
    assert captured.frames == len(frames)


def test_the_audio_is_what_was_played_and_in_sync_with_the_frames(captured: Captured) -> None:
    rate, first_time, decoded = decode_audio(captured.plain)
    assert rate == RATE
    assert abs(first_time) < 1e-6  # the encoder's priming is trimmed by the edit list
    _, played = captured.timeline.played_audio()
    # The clip was played, all of it (the timeline stamps its blocks with the sink tap's
    # wall clock: jitter of a few ms opens short gaps and trims as much at the end).
    assert abs(played.size - captured.clip.size) <= 0.05 * RATE
    assert np.count_nonzero(played) >= 0.99 * np.count_nonzero(captured.clip)
    expected = expected_audio(captured.timeline)
    assert decoded.size >= expected.size
    lag, snr_db = alignment(decoded, expected, max_lag=round(0.2 * RATE))
    assert abs(lag) <= RATE / FPS  # the first played sample within a frame of its place
    assert snr_db > 20.0, snr_db


def test_each_frame_shows_from_its_presentation_time_and_the_audio_is_not_cut(
    tmp_path: Path,
) -> None:
    presented = [0.0, 0.041, 0.079, 0.2, 0.23, 0.245, 0.33]  # late, early, a gap, two in a slot
    timeline = Timeline(RATE)
    timeline.add_audio(0.1, np.full(RATE // 2, 3000, np.int16))  # ends at 0.6 s
    writer = VideoWriter(tmp_path / "v.mp4", SIZE, FPS, RATE)
    for index, t in enumerate(presented):
        timeline.add_frame(t, np.zeros(VECTOR_SIZE, np.float32), None, None, 0.0)
        writer.add_frame(t, np.full((SIZE[1], SIZE[0], 4), 20 + 30 * index, np.uint8))
    writer.finish(timeline)
    times, pictures = decode_video(tmp_path / "v.mp4")
    shown = [round((float(p.mean()) - 20) / 30) for p in pictures]
    assert shown == [0, 1, 2, 2, 2, 3, 5, 5, 6, 6, 6, 6, 6, 6, 6]  # 0.6 s: the audio's end
    assert times[-1] == pytest.approx(14 / FPS)


def test_the_overlay_shows_in_its_corner_only(captured: Captured) -> None:
    _, plain = decode_video(captured.plain)
    _, overlaid = decode_video(captured.overlaid)
    middle = len(plain) // 2
    difference = np.abs(plain[middle].astype(int) - overlaid[middle].astype(int))
    assert difference[:20, :60].mean() > 20  # the text box darkens the background
    assert difference[100:, :].mean() < 3  # the rest is the same picture


def test_every_presented_frame_is_written_as_png(captured: Captured) -> None:
    pngs = sorted(captured.frames_dir.glob("frame_*.png"))
    assert len(pngs) == captured.frames
    assert pngs[0].name == "frame_00001.png"
    assert read_png(pngs[len(pngs) // 2]).shape == (SIZE[1], SIZE[0], 4)


def test_an_unwritable_video_path_is_refused_before_the_run(tmp_path: Path) -> None:
    for path in (tmp_path / "missing" / "out.mp4", tmp_path):
        with pytest.raises(ExportError) as caught:
            VideoWriter(path, SIZE, FPS, RATE)
        assert caught.value.code == "videoUnwritable"


def test_an_unknown_codec_is_refused_before_the_run(tmp_path: Path) -> None:
    for codecs in ({"codec": "no-such-codec"}, {"audio_codec": "no-such-codec"}):
        with pytest.raises(ExportError) as caught:
            VideoWriter(tmp_path / "out.mp4", SIZE, FPS, RATE, **codecs)
        assert caught.value.code == "videoCodecUnavailable"


def test_audio_is_resampled_for_a_codec_without_the_session_rate(tmp_path: Path) -> None:
    timeline = Timeline(RATE)
    tone = 0.25 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)
    timeline.add_audio(0.2, (tone * 32768).astype(np.int16))
    timeline.add_frame(0.0, np.zeros(VECTOR_SIZE, np.float32), None, None, 0.0)
    writer = VideoWriter(tmp_path / "v.mp4", SIZE, FPS, RATE, audio_codec="ac3")  # 32-48 kHz
    writer.add_frame(0.0, np.zeros((SIZE[1], SIZE[0], 4), np.uint8))
    writer.finish(timeline)
    rate, _, decoded = decode_audio(tmp_path / "v.mp4")
    assert rate == 48000
    expected = np.concatenate([np.zeros(round(0.2 * rate)), soxr.resample(tone, RATE, rate)])
    lag, snr_db = alignment(decoded, expected, max_lag=round(0.05 * rate))
    assert abs(lag) <= rate / FPS
    assert snr_db > 20.0


def test_a_write_failing_during_the_run_is_raised_by_finish(tmp_path: Path) -> None:
    frames_dir = tmp_path / "frames"
    writer = VideoWriter(tmp_path / "v.mp4", SIZE, FPS, RATE, frames_dir=frames_dir)
    black = np.zeros((SIZE[1], SIZE[0], 4), np.uint8)
    writer.add_frame(0.0, black)
    shutil.rmtree(frames_dir)
    writer.add_frame(0.04, black)  # the run goes on
    writer.add_frame(0.08, black)
    with pytest.raises(ExportError) as caught:
        writer.finish(Timeline(RATE))
    assert caught.value.code == "framesUnwritable"
    assert len(decode_video(tmp_path / "v.mp4")[0]) == 3  # the video was still made


def test_a_rebuffer_is_marked_in_the_overlay(tmp_path: Path) -> None:
    timeline = Timeline(RATE)
    change = ConversationChange(ConversationState.ACTIVE, StateChangeReason.REBUFFERING)
    timeline.add_state(0.5, change)
    writer = VideoWriter(None, SIZE, FPS, RATE, overlay=True, frames_dir=tmp_path)
    add = writer.frame_sink(timeline)
    black = np.zeros((SIZE[1], SIZE[0], 4), np.uint8)
    add(0.0, black)
    add(1.0, black)
    before, during = (read_png(tmp_path / f"frame_0000{n}.png") for n in (1, 2))
    red = (during[..., 0].astype(int) - during[..., 1]) > 100
    assert red.any() and not ((before[..., 0].astype(int) - before[..., 1]) > 100).any()


async def record(tmp_path: Path) -> tuple[Path, Timeline]:
    """A real recording: a short clip played on the null sink, frames rendered like the app;
    and the audio as the sink played it (times since the recording started)."""
    path = tmp_path / "session.avrec"
    played = Timeline(RATE)
    async with null_player() as session, render_loop(session):
        playback, sink = session.playback, session.sink
        assert playback is not None and sink is not None
        changes: list[ConversationChange] = []
        session.conversation_changed.connect(changes.append)
        assert await session.connect()
        started = playback.clock()
        assert session.start_recording(path)
        sink.add_tap(lambda pcm: played.add_audio(playback.clock() - started + sink.latency_s, pcm))
        await asyncio.sleep(0.2)
        await session.play_clip(speech_clip(tmp_path, RECORDED_S))
        await eventually(
            lambda: bool(changes) and changes[-1].reason is StateChangeReason.PLAYBACK_END, 10
        )
        await asyncio.sleep(0.2)
        session.stop_recording()
    return path, played


async def test_a_recording_exports_to_a_video_and_a_truncated_one_is_refused(
    tmp_path: Path,
) -> None:
    path, truth = await record(tmp_path)
    video = tmp_path / "recording.mp4"
    try:
        recording = read_recording(path)
        timeline = await asyncio.to_thread(
            export_recording,
            recording,
            video=video,
            frames_dir=None,
            overlay=True,
            size=(160, 90),
            tier="minimal",
        )
    except OffscreenUnavailable as error:
        pytest.skip(f"no OpenGL context here: {error}")
    frames = list(timeline.frames)
    assert [s.state for s in timeline.states] == ["active", "playing", "idle"]
    span_s = frames[-1].t - frames[0].t + 1.0 / FPS
    times, pictures = decode_video(video)
    assert abs(len(times) / FPS - span_s) <= 1.0 / FPS
    assert len(times) == media_frames(timeline)
    assert pictures[0].shape == (90, 160, 3)
    clip = sf.read(speech_clip(tmp_path, RECORDED_S), dtype="int16")[0]
    t0, played = timeline.played_audio()  # rebuilt from the audio received and the ticks
    assert abs(played.size - clip.size) <= 2
    # The live stamps come from audio callbacks, which jitter by a few ms on a loaded
    # machine (5.7 ms measured once in a clean-clone CI run): well inside one video frame.
    assert abs(t0 - truth.played_audio()[0]) < 0.01, (t0, truth.played_audio()[0])
    assert np.count_nonzero(played) == np.count_nonzero(clip)
    rate, _, decoded = decode_audio(video)
    expected = expected_audio(timeline)
    lag, snr_db = alignment(decoded, expected, max_lag=round(0.2 * rate))
    assert abs(lag) <= rate / FPS
    assert snr_db > 20.0, snr_db
    leads_ms = [f.frame_ms for f in frames if f.frame_ms > 0]  # pose -> presented, aimed at
    assert 4.0 < float(np.median(leads_ms)) < 20.0  # render_loop presents 5 ms after the pose
    report = report_of_recording(recording, timeline, path)
    assert report["verdict"] == "n/a (recording)"
    assert report["options"]["source"] == "recording"
    assert report["options"]["path"] == str(path)
    overall = report["overall"]
    assert (overall["responses"], overall["rebuffers"], overall["av_offset"]) == (1, 0, None)
    assert (
        0
        < overall["time_to_playing_ms"]["max"]
        < overall["time_to_first_rendered_frame_ms"]["max"]
        < 1000
    )
    assert report["log"]["errors_by_code"] == {}
    late = error_to_json(AvatarError(ErrorCode.MOTION_DATA_LATE, "late", Phase.PLAYBACK))
    errors = [{"t": t, "type": "error", "error": late} for t in (1.0, 2.0, 9.0)]
    log = report_of_recording(Recording(recording.header, errors), timeline)["log"]
    assert log["errors_by_code"] == {"motionDataLate": 3}
    assert [entry["count"] for entry in log["entries"]] == [2, 1]  # grouped as the app does

    truncated = tmp_path / "truncated.avrec"
    data = path.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with gzip.open(truncated) as file, pytest.raises(EOFError):
        file.read()  # really cut short
    with pytest.raises(ExportError) as caught:
        read_recording(truncated)
    assert caught.value.code == "recordingUnreadable"
