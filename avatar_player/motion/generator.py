"""Streaming audio -> motion generator of one response."""

from __future__ import annotations

from collections import deque

import numpy as np

from avatar_player.motion.articulation import LOOKAHEAD_FRAMES, Articulator
from avatar_player.motion.closure import (
    NEIGHBOUR_FRAMES,
    ClosureTrack,
    find_closures,
    relabel,
    segments_of,
)
from avatar_player.motion.cues import CueExtractor, Cues
from avatar_player.motion.features import FrameAnalyzer
from avatar_player.motion.gestures import NECK_SHARE, Blinks, Gaze, HeadMotion
from avatar_player.motion.prosody import Prosody
from avatar_player.motion.shaping import shaped_mouth, unusable_reason
from avatar_player.protocol.constants import FRAME_RATE, frame_sample, samples_per_frame
from avatar_player.protocol.motion import LAYOUT, MotionFrame, neutral_vector
from avatar_player.visemes import PHONE_FRAME_RATE, shape_at
from avatar_player.visemes.coarticulation import LABEL_OFFSET_S
from avatar_player.visemes.recognizer import PhoneRecognizer, RecognizerUnavailable

JAW_POSE_OPEN_RAD = 0.12
"""FLAME jaw pitch (radians) at jaw_open == 1."""
VISEME_LATENCY_FRAMES = 6
"""With phone recognition, frame i is final once the audio up to frame i + 6 (240 ms
later) is decoded: the shape looks 150 ms ahead (lead and coarticulation), the decoder's
features lag 30-40 ms and its labels become stable 60 ms behind the audio."""
CONTEXT_S = 0.4
"""Phone labels this far before a frame are corrected for closures and coarticulated."""
DSP_CHANNELS = ("jaw_open", "mouth_round", "mouth_wide", "mouth_close")


class MotionGenerator:
    """Streams the motion frames of one response while its audio arrives.

    Frame i (shown at sample i * samples_per_frame) is analysed from a one-frame window
    centred on it and is final once the windows of the next LOOKAHEAD_FRAMES frames are
    complete too. Each window is analysed on its own and every stateful stage advances
    once per frame in order, so the output does not depend on how the audio is chunked.

    With `visemes` (phone recognition), the recognizer is fed one frame's samples at a
    time and the mouth of frame i takes its shape from the phones around it once block
    i + VISEME_LATENCY_FRAMES - 1 is decoded; frames the recognition cannot shape (it is
    unavailable, or hears noise) keep the DSP mouth, and `fallback_reason` says why.
    """

    def __init__(self, sample_rate: int, *, seed: int = 0, visemes: bool = True) -> None:
        self._analyzer = FrameAnalyzer(sample_rate)  # validates the rate
        self._sample_rate = sample_rate
        self._frame_size = samples_per_frame(sample_rate)
        self._half_window = self._frame_size // 2
        self._cue_extractor = CueExtractor()
        self._articulator = Articulator()
        self._prosody = Prosody()
        blink_seed, gaze_seed, head_seed = np.random.SeedSequence(seed).spawn(3)
        self._blinks = Blinks(np.random.default_rng(blink_seed))
        self._gaze = Gaze(np.random.default_rng(gaze_seed))
        self._head = HeadMotion(np.random.default_rng(head_seed))
        # Samples from the next window's start on; silence precedes the response.
        self._buffer = np.zeros(self._half_window, dtype=np.float64)
        self._received = 0
        self._analyzed = 0
        self._cues: deque[Cues] = deque()
        self._emitted = 0
        self._finished = False
        self.fallback_reason = ""
        """Why some frames of this response have the DSP mouth ('' while none has)."""
        self._recognizer: PhoneRecognizer | None = None
        if visemes:
            try:
                self._recognizer = PhoneRecognizer(sample_rate)
            except RecognizerUnavailable as exc:
                self.fallback_reason = f"phone recognition unavailable: {exc}"
        self._closures = ClosureTrack(sample_rate)
        self._pending = np.zeros(0, dtype=np.int16)
        """Samples not yet given to the recognizer (less than one block)."""
        self._blocks = 0

    @property
    def recognizing(self) -> bool:
        """Whether phone recognition runs (it costs about 1 ms of CPU per 20 ms of audio;
        the DSP mouth alone about a tenth of that)."""
        return self._recognizer is not None

    @property
    def latency_samples(self) -> int:
        """Audio needed beyond a frame's sample before the frame is emitted."""
        if self._recognizer is not None:
            return VISEME_LATENCY_FRAMES * self._frame_size
        return LOOKAHEAD_FRAMES * self._frame_size + self._half_window

    def push(self, pcm: np.ndarray) -> list[MotionFrame]:
        """Add int16 mono samples; returns the frames that just became final."""
        self._check_open()
        samples = np.asarray(pcm)
        if samples.dtype != np.int16 or samples.ndim != 1:
            raise ValueError(f"expected 1-D int16 samples, got {samples.dtype} {samples.shape}")
        self._received += samples.size
        self._buffer = np.concatenate((self._buffer, samples))
        self._analyze_windows()
        if self._recognizer is None:
            return self._emit(self._analyzed - LOOKAHEAD_FRAMES)
        self._pending = np.concatenate((self._pending, samples))
        return self._decode_blocks()

    def finish(self) -> list[MotionFrame]:
        """End of the audio: returns every remaining frame."""
        self._check_open()
        self._finished = True
        total = -(-self._received // self._frame_size)
        # Silence after the end completes the last windows and the lookahead.
        missing = (total + LOOKAHEAD_FRAMES - self._analyzed) * self._frame_size - self._buffer.size
        self._buffer = np.concatenate((self._buffer, np.zeros(max(missing, 0))))
        self._analyze_windows()
        if self._recognizer is None:
            return self._released(self._emit(total), total)
        tail = -self._pending.size % self._frame_size
        self._pending = np.concatenate((self._pending, np.zeros(tail, dtype=np.int16)))
        frames = self._decode_blocks()
        self._recognizer.finish()
        return self._released(frames + self._emit(total), total)

    def _released(self, frames: list[MotionFrame], total: int) -> list[MotionFrame]:
        """`frames` with the response's last ones easing to rest (a cosine ramp ending one
        frame after the last), so the face does not snap to neutral when the player stops
        showing the response (a smile settled into the final pause, the head's last turn).
        Only frames every chunking emits in `finish` ramp: the ones the lookahead holds back
        (2 frames without phone recognition, 6 with), so the frames stay chunk-invariant."""
        ramp = self.latency_samples // self._frame_size
        released = []
        for frame in frames:
            left = total - frame.index
            if left > ramp:
                released.append(frame)
                continue
            weight = np.float32(0.5 - 0.5 * np.cos(np.pi * left / (ramp + 1)))
            released.append(MotionFrame(frame.index, frame.sample, frame.values * weight))
        return released

    def close(self) -> None:
        """Stop without finishing (an interrupted response): the phone recognizer's decoder
        goes back to the pool for the next response."""
        self._finished = True
        if self._recognizer is not None:
            self._recognizer.release()

    def _decode_blocks(self) -> list[MotionFrame]:
        """Feed the recognizer every complete block; after each, emit the frames it made
        final (so each frame sees the labels of the same blocks, however audio arrives)."""
        assert self._recognizer is not None
        frames = []
        size = self._frame_size
        while self._pending.size >= size:
            self._recognizer.push_block(self._pending[:size])
            self._closures.push_block(self._pending[:size])
            self._pending = self._pending[size:]
            self._blocks += 1
            frames += self._emit(self._blocks - VISEME_LATENCY_FRAMES + 1)
        return frames

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError("the response is finished")

    def _analyze_windows(self) -> None:
        """Turn every complete window in the buffer into cues."""
        size = self._frame_size
        while self._buffer.size >= size:
            features = self._analyzer.analyze(self._buffer[:size])
            self._cues.append(self._cue_extractor.update(features))
            self._buffer = self._buffer[size:]
            self._analyzed += 1

    def _emit(self, end: int) -> list[MotionFrame]:
        """Frames from the next unemitted one up to (excluding) `end`."""
        frames = []
        while self._emitted < end:
            window = [self._cues[k] for k in range(LOOKAHEAD_FRAMES + 1)]
            frames.append(self._frame(window))
            self._cues.popleft()
        return frames

    def _frame(self, window: list[Cues]) -> MotionFrame:
        """Assemble the next frame from its cue window; advances every stateful stage."""
        mouth = self._articulator.step(window)
        blink = self._blinks.step()
        gaze_pitch, gaze_yaw = self._gaze.step()
        rotation = self._head.step(mouth.stress, mouth.brow_up)
        values = neutral_vector()
        values[LAYOUT["rotation"]] = rotation
        values[LAYOUT["neck_pose"]] = NECK_SHARE * rotation
        index = self._emitted
        self._emitted += 1
        channels = self._shaped(index, window) or {
            name: getattr(mouth, name) for name in DSP_CHANNELS
        }
        for name, value in channels.items():
            values[LAYOUT[name]] = value
        values[LAYOUT["jaw_pose"]] = (JAW_POSE_OPEN_RAD * channels["jaw_open"], 0.0, 0.0)
        values[LAYOUT["eye_pose"]] = (gaze_pitch, gaze_yaw, 0.0) * 2
        values[LAYOUT["eye_lid"]] = blink
        for name, value in self._prosody.step(window, mouth.brow_up).items():
            values[LAYOUT[name]] = value
        values[LAYOUT["blink_left"]] = blink
        values[LAYOUT["blink_right"]] = blink
        return MotionFrame(index, frame_sample(index, self._sample_rate), values)

    def _shaped(self, index: int, window: list[Cues]) -> dict[str, float] | None:
        """The viseme mouth of frame `index`; None (and a fallback reason) without one."""
        if self._recognizer is None:
            return None
        time_s = index / FRAME_RATE
        first, labels = self._corrected_labels(index)
        label = max(int((time_s - LABEL_OFFSET_S) * PHONE_FRAME_RATE), 0) - first
        phone = labels[label] if label < len(labels) and labels[label] else None
        shape = shape_at(segments_of(labels, first), time_s, 1.0 / FRAME_RATE)
        reason = unusable_reason(phone, window[0]) if shape is not None else "no phone nearby"
        if reason:
            self.fallback_reason = self.fallback_reason or reason
            return None
        return shaped_mouth(shape, window[0], window[1])

    def _corrected_labels(self, index: int) -> tuple[int, list[str]]:
        """The phone labels around frame `index` (the first label's index, the labels),
        corrected by the acoustic closures found in the audio decoded when the frame is
        emitted (the same whatever the chunking); "" where no label is committed yet."""
        assert self._recognizer is not None
        per_frame = PHONE_FRAME_RATE // FRAME_RATE
        horizon = (index + VISEME_LATENCY_FRAMES) * per_frame - 1
        first = max(round((index / FRAME_RATE - CONTEXT_S) * PHONE_FRAME_RATE), 0)
        labels = self._recognizer.labels[first:horizon]
        labels += [""] * (horizon - first - len(labels))
        closures = find_closures(self._closures, labels, first, horizon)
        self._closures.forget(first - NEIGHBOUR_FRAMES)
        return first, relabel(labels, first, closures, self._closures)
