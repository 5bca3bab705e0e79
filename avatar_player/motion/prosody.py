"""Light facial expressions from speech prosody, stepped once per frame.

Brows flash up on pitch accents (Cavé et al. 1996; Flecha-García 2010: brow raises align
with accented syllables); a loud onset whose syllable moves the pitch (emphasis) narrows
the eyes a little (a squint with a cheek raise) and, spoken low, draws the brows together;
a light smile settles in while the speaker pauses and relaxes when speech resumes. Every
gesture is small (at most MAX_EXPRESSION) so it colours the talking face without acting for
it. The output is a function of the cue windows in order, so it does not depend on how the
audio is chunked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from avatar_player.motion.cues import Cues
from avatar_player.motion.smoothing import AttackRelease
from avatar_player.protocol.constants import FRAME_RATE

SPEECH_LOUDNESS = 0.2
"""Normalised loudness above which a frame counts as speech."""
PAUSE_S = 0.3
"""Silence this long after speech is a pause: the smile settles in."""
PAUSE_SMILE = 0.22
SPEAKING_SMILE = 0.05
"""Smile held in a pause, and while speaking once the speaker has paused."""
RELIABLE_PITCH = (0.8, 0.5)
"""Voicing and loudness a frame needs for its pitch to count (weaker frames give octave
errors)."""
OCTAVE_ERROR_ST = 7.5
"""A pitch this many semitones off the baseline is taken for an octave error."""
PITCH_REFERENCE_S = 0.5
"""Time constant (of reliable speech) of the recent pitch level accents stand out of."""
ACCENT_ST = 2.0
"""Pitch rise over the recent level that makes an accent (a full flash 2 st higher)."""
BROW_FLASH = 0.3
EMPHASIS = (0.6, 0.9)
"""Onset strength and loudness of a stressed onset."""
EMPHASIS_ST = 2.0
"""Pitch excursion (either way) of an emphasised syllable; spoken low, the brows furrow."""
SQUINT, CHEEK_RAISE, FURROW = 0.18, 0.14, 0.2
"""Peak squint, cheek raise and brow furrow of an emphasis."""
CHEEK_PER_SMILE = 0.6
"""Cheek raise that goes with a smile, per unit of smile."""
REFRACTORY_S = 0.8
"""A gesture does not start again within this time of its last start."""
GESTURE_DECAY_S = 0.45
"""Time constant of a gesture's fade after its peak."""
MAX_EXPRESSION = 0.3


class _Pulse:
    """A gesture fired by events: jumps toward the event's strength within a few frames,
    fades with GESTURE_DECAY_S, and ignores events during its refractory time."""

    def __init__(self) -> None:
        self._decay = math.exp(-1.0 / (GESTURE_DECAY_S * FRAME_RATE))
        self._refractory = round(REFRACTORY_S * FRAME_RATE)
        self._since = self._refractory
        self._envelope = 0.0
        self._shown = AttackRelease(attack=0.6, release=1.0)

    def step(self, strength: float) -> float:
        """Advance one frame; `strength` (0..1, 0 = no event) may start the gesture."""
        self._since += 1
        self._envelope *= self._decay
        if strength > 0.0 and self._since >= self._refractory:
            self._since = 0
            self._envelope = max(self._envelope, strength)
        return self._shown.update(self._envelope)


def _reliable_pitch(cues: Cues) -> float | None:
    """The frame's pitch rise (semitones) where it can be trusted, else None."""
    voicing, loudness = RELIABLE_PITCH
    if cues.voicing < voicing or cues.loudness < loudness:
        return None
    if abs(cues.pitch_rise) >= OCTAVE_ERROR_ST:
        return None
    return cues.pitch_rise


def _ramp(value: float, start: float, full: float) -> float:
    return min(max((value - start) / (full - start), 0.0), 1.0)


class _LocalPitch:
    """Pitch of reliable frames against the speaker's recent level (a running mean over
    about PITCH_REFERENCE_S of reliable speech), in semitones: accents stand out of it
    however the cues' slower baseline lags a new phrase."""

    def __init__(self) -> None:
        self._reference: float | None = None
        self._rate = 1.0 / (PITCH_REFERENCE_S * FRAME_RATE)

    def relative(self, cues: Cues) -> float | None:
        """The frame's pitch over the recent level; None where it cannot be trusted."""
        pitch = _reliable_pitch(cues)
        if pitch is None or self._reference is None:
            return None
        return pitch - self._reference

    def update(self, cues: Cues) -> None:
        """Take the frame (in order) into the recent level."""
        pitch = _reliable_pitch(cues)
        if pitch is not None:
            reference = pitch if self._reference is None else self._reference
            self._reference = reference + self._rate * (pitch - reference)


class Prosody:
    """Expression channels (smile, brow_furrow, cheek_raise, squint and a brow_up boost)
    from the cue windows of consecutive frames."""

    def __init__(self) -> None:
        self._accent = _Pulse()
        self._emphasis = _Pulse()
        self._low_emphasis = _Pulse()
        self._smile = AttackRelease(attack=0.06, release=0.12)
        self._pause_frames = round(PAUSE_S * FRAME_RATE)
        self._silent = 0
        self._spoken = False
        self._paused = False
        self._pitch = _LocalPitch()
        self._previous_rise = 0.0

    def step(self, window: Sequence[Cues], brow_up: float) -> dict[str, float]:
        """Advance one frame. `window` holds the frame's cues and the next frames' (as the
        articulator sees them); `brow_up` is the articulated brow, returned with its accent
        flash added."""
        smile = self._smile_step(window)
        flash = BROW_FLASH * self._accent.step(self._accent_strength(window[0]))
        strength, excursion = self._emphasis_strength(window)
        self._pitch.update(window[0])
        emphasis = self._emphasis.step(strength)
        low = self._low_emphasis.step(strength if excursion <= -EMPHASIS_ST else 0.0)
        cheek = max(CHEEK_RAISE * emphasis, CHEEK_PER_SMILE * smile)
        return {
            "brow_up": min(max(brow_up + flash, -1.0), 1.0),
            "smile": min(smile, MAX_EXPRESSION),
            "brow_furrow": min(FURROW * low, MAX_EXPRESSION),
            "cheek_raise": min(cheek, MAX_EXPRESSION),
            "squint": min(SQUINT * emphasis, MAX_EXPRESSION),
        }

    def _smile_step(self, window: Sequence[Cues]) -> float:
        """The smile: settles in once a pause after speech lasts PAUSE_S, relaxes to a trace
        as speech resumes (the window sees it coming), none before the first words."""
        speaking = any(cues.loudness > SPEECH_LOUDNESS for cues in window)
        self._silent = 0 if speaking else self._silent + 1
        self._spoken = self._spoken or speaking
        in_pause = self._spoken and self._silent >= self._pause_frames
        self._paused = self._paused or in_pause
        return self._smile.update(PAUSE_SMILE if in_pause else SPEAKING_SMILE * self._paused)

    def _accent_strength(self, current: Cues) -> float:
        """0..1 where the pitch first climbs ACCENT_ST over its recent level, else 0."""
        rise = self._pitch.relative(current) or 0.0
        rising = self._previous_rise < ACCENT_ST
        self._previous_rise = rise
        return _ramp(rise, ACCENT_ST, ACCENT_ST + 2.0) if rising else 0.0

    def _emphasis_strength(self, window: Sequence[Cues]) -> tuple[float, float]:
        """(0..1 strength, pitch excursion in semitones) of an emphasis starting at this
        frame: a loud onset whose syllable (the lookahead) moves the pitch either way."""
        relative = (self._pitch.relative(cues) for cues in window)
        pitches = [pitch for pitch in relative if pitch is not None]
        excursion = max(pitches, key=abs) if pitches else 0.0
        onset, loudness = EMPHASIS
        stressed = window[0].onset >= onset and max(c.loudness for c in window) >= loudness
        strength = _ramp(abs(excursion), EMPHASIS_ST, EMPHASIS_ST + 1.0) if stressed else 0.0
        return strength, excursion
