"""An MP4 of what a session showed and played: the presented frames, stream-encoded as they
come (H.264, yuv420p, constant frame rate), and the played audio (AAC), in sync.

What the video covers: from the first presented frame (media time 0) to the end of the last
one or of the played audio, whichever is later. Media frame n shows the latest frame presented
by `origin + n / fps` (each frame takes the slot nearest its presentation time; slots between
frames repeat the previous one, a frame that shares its slot with a later one is skipped), so a
frame presented at playback time T is on screen at media time T - origin, within half a frame.
Audio sample i of `Timeline.played_audio()` reached the DAC at `t0 + i / rate`; it is placed at
media time `t0 - origin + i / rate` (silence before it), so picture and sound line up in the
file as they did on screen and at the DAC.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soxr
from PIL import Image, ImageDraw, ImageFont

from avatar_player.models.timeline import FramePoint, StatePoint, Timeline
from avatar_player.player.states import ConversationState, StateChangeReason
from avatar_player.render.png import write_png

X264_OPTIONS = {"preset": "veryfast", "tune": "zerolatency", "crf": "23"}
"""Steady, cheap encoding inside the render loop (no lookahead: no encode spikes)."""
AUDIO_FALLBACK_RATE = 48000
"""The audio is resampled to this when the audio codec cannot take the session rate."""
REBUFFER_MARK = "REBUFFERING"
"""An overlay line drawn as a red banner."""


class ExportError(Exception):
    """A video, its frames or a recording cannot be made or read; `code` is stable
    (videoUnwritable, videoCodecUnavailable, framesUnwritable, recordingUnreadable)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def overlay_text(state: StatePoint | None, frame: FramePoint | None) -> list[str]:
    """The overlay of a frame: the conversation state, the A/V offset, a rebuffer mark."""
    lines = [f"{state.state} ({state.reason})" if state else str(ConversationState.IDLE)]
    offset = frame.av_offset_ms if frame else None
    lines.append("A/V offset -" if offset is None else f"A/V offset {offset:+.0f} ms")
    rebuffering = (ConversationState.ACTIVE, StateChangeReason.REBUFFERING)
    if state is not None and (state.state, state.reason) == rebuffering:
        lines.append(REBUFFER_MARK)
    return lines


def overlay_at(timeline: Timeline, t: float) -> list[str]:
    """`overlay_text` of the state and the frame of `timeline` latest at `t` (cheap while the
    timeline is being filled: it looks from the end)."""
    state = next((s for s in reversed(timeline.states) if s.t <= t), None)
    frame = next((f for f in reversed(timeline.frames) if f.t <= t), None)
    return overlay_text(state, frame)


class VideoWriter:
    """Writes frames as they are presented (`add_frame`), then the audio (`finish`).

    `path` None: PNG frames only. Raises ExportError when the file cannot be written, the
    codecs are not available, or `frames_dir` cannot be made. A write that fails later does
    not disturb the run: the output stops there and `finish` raises the ExportError.
    """

    def __init__(
        self,
        path: Path | None,
        size: tuple[int, int],
        fps: float,
        sample_rate: int,
        *,
        overlay: bool = False,
        frames_dir: Path | None = None,
        codec: str = "libx264",
        audio_codec: str = "aac",
    ) -> None:
        width, height = size
        self.size = (width - width % 2, height - height % 2)  # yuv420p needs even sizes
        self.path, self.fps, self.sample_rate = path, fps, sample_rate
        self.overlay = overlay
        self.frames_dir = frames_dir
        self.frames = 0
        """Frames added (presented)."""
        self.encoded = 0
        """Media frames written (duplicates included)."""
        self.failure: ExportError | None = None
        self._origin: float | None = None
        self._current: av.VideoFrame | None = None
        if frames_dir is not None:
            try:
                frames_dir.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ExportError("framesUnwritable", f"{frames_dir}: {error}") from None
        self._container: av.container.OutputContainer | None = None
        if path is not None:
            self._open(path, codec, audio_codec)

    def _open(self, path: Path, codec: str, audio_codec: str) -> None:
        try:
            container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        except OSError as error:
            raise ExportError("videoUnwritable", f"{path}: {error}") from None
        try:
            video = container.add_stream(codec, rate=Fraction(self.fps).limit_denominator(1001))
            if not isinstance(video, av.VideoStream):
                raise ExportError("videoCodecUnavailable", f"{codec} is not a video codec")
            video.width, video.height = self.size
            video.pix_fmt = "yuv420p"
            if codec == "libx264":
                video.options = X264_OPTIONS
            rates = av.Codec(audio_codec, "w").audio_rates
            self._audio_rate = (
                self.sample_rate if not rates or self.sample_rate in rates else AUDIO_FALLBACK_RATE
            )
            audio = container.add_stream(audio_codec, rate=self._audio_rate)
            audio.layout = "mono"
            container.start_encoding()
        except Exception as error:
            with contextlib.suppress(Exception):
                container.close()
            if isinstance(error, av.codec.codec.UnknownCodecError):
                raise ExportError("videoCodecUnavailable", f"no encoder {error}") from None
            if isinstance(error, OSError):
                raise ExportError("videoUnwritable", f"{path}: {error}") from None
            if isinstance(error, av.FFmpegError):
                raise ExportError("videoCodecUnavailable", f"{codec}: {error}") from None
            raise
        self._container, self._video, self._audio = container, video, audio

    def frame_sink(self, timeline: Timeline) -> Callable[[float, np.ndarray], None]:
        """A `Recorder.on_pixels` callback: each frame, with the overlay of `timeline` at its
        time when the overlay is on."""

        def add(t: float, rgba: np.ndarray) -> None:
            self.add_frame(t, rgba, overlay_at(timeline, t) if self.overlay else None)

        return add

    def add_frame(self, t: float, rgba: np.ndarray, overlay_text: list[str] | None = None) -> None:
        """A frame, (h, w, 4) uint8 top row first, was presented at playback time `t`."""
        if self._origin is None:
            self._origin = t
        width, height = self.size
        rgba = rgba[:height, :width]
        if self.overlay and overlay_text:
            rgba = _draw_overlay(rgba, overlay_text)
        self.frames += 1
        if self.frames_dir is not None:
            try:
                write_png(self.frames_dir / f"frame_{self.frames:05d}.png", rgba)
            except OSError as error:
                self._fail("framesUnwritable", f"{self.frames_dir}: {error}")
        if self._container is None:
            return
        try:
            self._fill(round((t - self._origin) * self.fps))
        except (OSError, av.FFmpegError) as error:
            self._fail("videoUnwritable", f"{self.path}: {error}")
            return
        self._current = _yuv(rgba)

    def finish(self, timeline: Timeline) -> None:
        """Write the rest of the video and the audio `timeline` says was played; close.
        Raises the ExportError of a write that failed."""
        if self._container is not None:
            try:
                self._finish(self._container, timeline)
            except (OSError, av.FFmpegError) as error:
                self._fail("videoUnwritable", f"{self.path}: {error}")
            self._container = None
        if self.failure is not None:
            raise self.failure

    def _finish(self, container: av.container.OutputContainer, timeline: Timeline) -> None:
        t0, pcm = timeline.played_audio()
        if self._origin is None:  # nothing was presented: black under the audio
            self._origin = t0
            self._current = _yuv(np.zeros((self.size[1], self.size[0], 4), np.uint8))
        start = round((t0 - self._origin) * self.sample_rate)
        audio = np.concatenate([np.zeros(max(0, start), np.int16), pcm[max(0, -start) :]])
        self._fill(max(self.encoded + 1, math.ceil(audio.size / self.sample_rate * self.fps)))
        for packet in self._video.encode(None):
            container.mux(packet)
        if self._audio_rate != self.sample_rate:
            audio = soxr.resample(audio, self.sample_rate, self._audio_rate)
        step = self._audio.codec_context.frame_size or 1024
        for offset in range(0, audio.size, step):
            chunk = av.AudioFrame.from_ndarray(
                audio[None, offset : offset + step], format="s16", layout="mono"
            )
            chunk.sample_rate, chunk.pts = self._audio_rate, offset
            for packet in self._audio.encode(chunk):
                container.mux(packet)
        for packet in self._audio.encode(None):
            container.mux(packet)
        container.close()

    def _fill(self, slot: int) -> None:
        """Show the current frame in every media frame before `slot`."""
        if self._current is None or self._container is None:
            return
        while self.encoded < slot:
            self._current.pts = self.encoded
            for packet in self._video.encode(self._current):
                self._container.mux(packet)
            self.encoded += 1

    def _fail(self, code: str, message: str) -> None:
        """Stop the output that failed (the first failure is the one `finish` raises)."""
        self.failure = self.failure or ExportError(code, message)
        if code == "framesUnwritable":
            self.frames_dir = None
        elif self._container is not None:
            with contextlib.suppress(Exception):
                self._container.close()
            self._container = None


def _yuv(rgba: np.ndarray) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba")
    return frame.reformat(format="yuv420p")


@functools.cache
def _font(height: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(10, height // 24))


def _draw_overlay(rgba: np.ndarray, lines: list[str]) -> np.ndarray:
    """A copy of `rgba` with `lines` in a dark box at the top left (REBUFFER_MARK as a red
    banner); only the box is drawn by Pillow."""
    font = _font(rgba.shape[0])
    line_h = round(font.size * 1.3) if isinstance(font, ImageFont.FreeTypeFont) else 12
    pad = max(3, line_h // 4)
    width = round(max(font.getlength(line) for line in lines))
    box_w = min(rgba.shape[1], width + 2 * pad)
    box_h = min(rgba.shape[0], len(lines) * line_h + 2 * pad)
    out = rgba.copy()
    image = Image.fromarray(out[:box_h, :box_w, :3])
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, 0, box_w, box_h), fill=(0, 0, 0, 170))
    for index, line in enumerate(lines):
        y = pad + index * line_h
        if line == REBUFFER_MARK:
            draw.rectangle((pad - 2, y - 1, pad + width + 2, y + line_h - 2), fill=(200, 30, 30))
        draw.text((pad, y), line, fill=(255, 255, 255), font=font)
    out[:box_h, :box_w, :3] = np.asarray(image)
    return out
