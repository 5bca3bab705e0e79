"""Acoustic lip-closure cue: bilabial closures found in the signal, to correct the phones.

The phone recognizer misses bilabials in fast syllable trains and in formant-synthesised
speech, and sometimes hears one in an /n/. The signal shows a consonant closure plainly: a
stop's closure is near silence (or a low voice bar), a nasal's murmur keeps almost all its
energy below 500 Hz and is weaker than the vowels around it. Where the lips make it, the
second formant is low in the murmur and rises into the next vowel (low F2 locus);
alveolars and velars have a high murmur F2 and a falling or flat transition.

`ClosureTrack` analyses the audio in 10 ms steps (20 ms windows) as the blocks arrive;
`find_closures` finds the closures in a range of those frames and scores each for lip
closure from the acoustic place cues and the recognizer's labels around it; `relabel`
corrects the phone labels: a closure the lips make becomes a bilabial, a bilabial the recognizer
put on a closure the acoustics place elsewhere becomes an alveolar. Frame k's window is
centred on label k's (within 3 ms), so the two share their index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from avatar_player.motion.features import LEVEL_BAND_HZ, band_formants, lpc_band
from avatar_player.visemes import PHONE_FRAME_RATE, SILENCE, PhoneSegment

LOW_BAND_HZ = 500.0
"""Upper edge of the band that holds a nasal murmur's or a voice bar's energy."""
NEIGHBOUR_FRAMES = 15
"""The vowels a closure is measured against lie within this many frames (150 ms)."""
SPEECH_DB = -45.0
"""A closure needs a neighbour at least this loud (dBFS)."""
FLOOR_DB = -70.0
"""Frames quieter than this carry no murmur (silence or background)."""
STOP_DEPTH_DB = 12.0
"""A frame this far below both neighbours is a stop closure."""
MURMUR_DEPTH_DB = 2.0
MURMUR_LOW_SHARE_DB = -1.5
"""A murmur frame: at least this share (dB) of its energy below LOW_BAND_HZ, and
MURMUR_DEPTH_DB below both neighbours."""
LABIAL_MURMUR_F2_HZ = (1250.0, 1500.0)
"""Murmur F2 below the first counts for the lips, above the second against them."""
TRANSITION_HZ = (40.0, -80.0)
"""F2 change from the release to the vowel: a rise above the first counts for the lips,
a fall below the second against them."""
LABIAL_LOCUS_HZ = (1450.0, 1700.0)
"""F2 at the release (the locus): a labial's is below the first (and rises into the vowel),
an alveolar's or a velar's above the second (or it falls into the vowel)."""
RELEASE_FRAMES = (0, 2)
VOWEL_FRAMES = (3, 7)
"""Frames after a closure's end whose spectra give the release's and the vowel's F2."""
RECOGNIZER_MARGIN = 2
"""Labels this many frames either side of a closure count as the recognizer's reading."""
RECOGNIZER_WEIGHT = {"labial": 1.5, "open labial": -2.5, "other": -1.0}
"""Score of the recognizer hearing a bilabial, a labial the lips make open (W, F, V: their
acoustic place cues are a bilabial's), or another consonant at a closure."""
OPEN_LABIALS = frozenset({"W", "F", "V"})
VETO_SCORE = -2.0
"""A recognized bilabial at a closure whose acoustic cues score this or less is an N."""
NASAL_VETO_SCORE = -1.0
"""The same for an M heard (and no B or P) at a murmur: the murmur's F2 tells /m/ from /n/
(Piper's /n/ in "Nine tiny kittens ate dinner tonight." was heard as M three times, each
scoring -1); a voice bar's F2 does not (the B of "bamboo" scores -1 too)."""
CLOSURE_SCORE = 1.0
"""A closure scoring at least this is shown as a bilabial."""
OPEN_VOWEL = "AH"
BILABIALS = frozenset({"M", "B", "P"})
OPEN_DEPTH_DB = 6.0
"""A frame within this of the loudest frame within NEIGHBOUR_FRAMES, and not a murmur,
radiates a vowel: the lips are open, whatever the recognizer heard."""
MAX_CLOSURE_FRAMES = 25
"""A quieter stretch longer than this (250 ms) is a pause, not a closure."""
VOWELS = frozenset(
    ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"]
)


class ClosureTrack:
    """Level, low-band share and 0-4 kHz spectrum of every 10 ms frame of a response.

    Fed the recognizer's blocks (a multiple of 10 ms); frame k is the 20 ms window that
    starts at k * 10 ms (frame -1 starts before the response, in silence). `forget`
    drops old frames, so a long response keeps a bounded history.
    """

    def __init__(self, sample_rate: int) -> None:
        self._hop = sample_rate // PHONE_FRAME_RATE
        nfft = 4 * self._hop
        self._window = np.hanning(2 * self._hop)
        freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate)
        weight = 2.0 / (nfft * np.sum(self._window**2) * 32768.0**2)
        level_band = (freqs >= LEVEL_BAND_HZ[0]) & (freqs <= LEVEL_BAND_HZ[1])
        self._level_weight = weight * level_band
        self._low_weight = weight * level_band * (freqs < LOW_BAND_HZ)
        self._band_bins, self._pre_emphasis = lpc_band(nfft, sample_rate)
        self._nfft = nfft
        self._tail = np.zeros(self._hop)
        self.level_db = np.zeros(0)
        self.low_share_db = np.zeros(0)
        self._band_power = np.zeros((0, self._band_bins))
        self.first = -1
        """Index of the first frame kept."""
        self._f2: dict[tuple[int, int], float] = {}

    @property
    def end(self) -> int:
        """One past the last frame analysed."""
        return self.first + self.level_db.size

    def push_block(self, block: np.ndarray) -> None:
        """Analyse the frames whose windows the block completes."""
        samples = np.concatenate((self._tail, block.astype(np.float64)))
        starts = np.arange(block.size // self._hop) * self._hop
        windows = samples[starts[:, None] + np.arange(2 * self._hop)] * self._window
        spectrum = np.fft.rfft(windows, self._nfft)
        power = spectrum.real**2 + spectrum.imag**2
        level = power @ self._level_weight + 1e-12
        low_share = (power @ self._low_weight) / level + 1e-12
        self.level_db = np.concatenate((self.level_db, 10 * np.log10(level)))
        self.low_share_db = np.concatenate((self.low_share_db, 10 * np.log10(low_share)))
        self._band_power = np.concatenate((self._band_power, power[:, : self._band_bins]))
        self._tail = samples[-self._hop :]

    def forget(self, before: int) -> None:
        """Drop the frames before `before`."""
        drop = min(max(before - self.first, 0), self.level_db.size)
        self.level_db = self.level_db[drop:]
        self.low_share_db = self.low_share_db[drop:]
        self._band_power = self._band_power[drop:]
        self.first += drop
        self._f2 = {key: f2 for key, f2 in self._f2.items() if key[0] >= self.first}

    def f2(self, first: int, end: int) -> float:
        """LPC F2 of the mean spectrum of frames [first, end) (NaN where undefined).
        Cached: the same closure is scored again at every motion frame that sees it."""
        first, end = max(first, self.first), min(end, self.end)
        if end <= first:
            return float("nan")
        if (first, end) not in self._f2:
            power = self._band_power[first - self.first : end - self.first].mean(axis=0)
            self._f2[first, end] = band_formants(power, self._pre_emphasis)[1]
        return self._f2[first, end]


@dataclass(frozen=True)
class Closure:
    """A consonant closure in frames [start, end), and how likely the lips make it."""

    start: int
    end: int
    voiced: bool
    """A murmur or voice bar (else a silent stop closure)."""
    acoustic: float
    """Score of the acoustic place cues (murmur F2, F2 transition) for the lips."""
    score: float
    """`acoustic` plus the recognizer's reading; CLOSURE_SCORE or more: the lips close."""


def find_closures(
    track: ClosureTrack, labels: Sequence[str], first: int, horizon: int
) -> list[Closure]:
    """The closures that start in frames [first, horizon) and end before `horizon`,
    scored with the track's frames and the recognizer's `labels` (label `first` onwards;
    "" where none yet)."""
    reading = Reading(labels, first)
    first = max(first, track.first + NEIGHBOUR_FRAMES)
    horizon = min(horizon, track.end)
    if horizon - first < 2:
        return []
    level = track.level_db[first - NEIGHBOUR_FRAMES - track.first : horizon - track.first]
    padded = np.concatenate((level, np.full(NEIGHBOUR_FRAMES, -np.inf)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, NEIGHBOUR_FRAMES)
    left = windows[: level.size - NEIGHBOUR_FRAMES]
    right = windows[NEIGHBOUR_FRAMES + 1 :]
    right = right[: level.size - NEIGHBOUR_FRAMES]
    current = level[NEIGHBOUR_FRAMES:]
    before, after = left.max(axis=1), right.max(axis=1)
    # After a pause (an initial consonant) the vowel after the closure is the reference.
    neighbours = np.where(before < SPEECH_DB, after, np.minimum(before, after))
    depth = neighbours - current
    low = track.low_share_db[first - track.first : horizon - track.first]
    murmur = (low >= MURMUR_LOW_SHARE_DB) & (depth >= MURMUR_DEPTH_DB) & (current > FLOOR_DB)
    closed = ((depth >= STOP_DEPTH_DB) | murmur) & (neighbours >= SPEECH_DB)
    found = []
    start = None
    for offset, is_closed in enumerate([*closed.tolist(), False]):
        if is_closed and start is None:
            start = offset
        elif not is_closed and start is not None:
            # A run the window cuts (at either end) has no known extent: not scored.
            if start > 0 and offset < closed.size:
                start = _after_pause(current, start, offset)
                if start < offset and offset - start <= MAX_CLOSURE_FRAMES:
                    voiced = np.flatnonzero(murmur[start:offset]) + first + start
                    found.append(_scored(track, reading, first + start, first + offset, voiced))
            start = None
    return found


def _after_pause(level: np.ndarray, start: int, end: int) -> int:
    """Where the closed run [start, end) of frames at `level` dBFS begins as a consonant:
    after a pause (the frame before it quieter than speech) the silent frames belong to
    the pause, and only the audible rest (a murmur, a voice bar, a burst) is the closure;
    `end` when nothing is left. Between speech, `start`."""
    if level[start - 1] >= SPEECH_DB:
        return start
    audible = np.flatnonzero(level[start:end] > FLOOR_DB)
    return start + int(audible[0]) if audible.size else end


@dataclass(frozen=True)
class Reading:
    """The recognizer's labels from label `first` on."""

    labels: Sequence[str]
    first: int

    def around(self, start: int, end: int) -> set[str]:
        """The labels within RECOGNIZER_MARGIN of frames [start, end)."""
        a = max(start - RECOGNIZER_MARGIN - self.first, 0)
        return set(self.labels[a : max(end + RECOGNIZER_MARGIN - self.first, 0)])


def _scored(
    track: ClosureTrack, reading: Reading, start: int, end: int, voiced: np.ndarray
) -> Closure:
    acoustic = 0.0
    if voiced.size >= 2:
        murmur_f2 = track.f2(int(voiced[0]), int(voiced[-1]) + 1)
        acoustic += _vote(murmur_f2, LABIAL_MURMUR_F2_HZ[0], LABIAL_MURMUR_F2_HZ[1])
    if end + VOWEL_FRAMES[1] <= track.end:
        locus = track.f2(end + RELEASE_FRAMES[0], end + RELEASE_FRAMES[1])
        rise = track.f2(end + VOWEL_FRAMES[0], end + VOWEL_FRAMES[1]) - locus
        if locus < LABIAL_LOCUS_HZ[0] and rise > TRANSITION_HZ[0]:
            acoustic += 1.0
        elif locus > LABIAL_LOCUS_HZ[1] or rise < TRANSITION_HZ[1]:
            acoustic -= 1.0
    heard = reading.around(start, end)
    if heard & OPEN_LABIALS:
        recognized = RECOGNIZER_WEIGHT["open labial"]
    elif heard & BILABIALS:
        recognized = RECOGNIZER_WEIGHT["labial"]
    elif any(_is_consonant(label) for label in heard):
        recognized = RECOGNIZER_WEIGHT["other"]
    else:
        recognized = 0.0
    return Closure(start, end, voiced.size >= 2, acoustic, acoustic + recognized)


def _is_consonant(label: str) -> bool:
    """A phone label other than a vowel, silence, a filler ("+NSN+") or none ("")."""
    return label not in VOWELS and label not in (SILENCE, "") and not label.startswith("+")


def _vote(value: float, labial_below: float, other_above: float) -> float:
    """+1 below `labial_below`, -1 above `other_above`, 0 between or for NaN."""
    if value < labial_below:
        return 1.0
    return -1.0 if value > other_above else 0.0


def relabel(
    labels: list[str], first: int, closures: Sequence[Closure], track: ClosureTrack
) -> list[str]:
    """`labels` (label `first` onwards; "" where none yet) with the closures applied: a lip
    closure becomes M (murmur) or P, and a bilabial the recognizer heard at a closure the
    acoustics place elsewhere becomes N. Silence labels on speech-loud frames within
    NEIGHBOUR_FRAMES of a lip closure become an open vowel (AH): the recognizer reads
    formant-synthesised syllable trains as silence between the consonants; so do bilabial
    labels on frames as loud as a vowel there (it runs B over the short vowels of Piper's
    "bababababa", which the lips cannot radiate sealed)."""
    out = list(labels)
    for closure in closures:
        if closure.score < CLOSURE_SCORE:
            continue
        for index in range(closure.start - NEIGHBOUR_FRAMES, closure.end + NEIGHBOUR_FRAMES):
            position, frame = index - first, index - track.first
            if not (0 <= position < len(out) and 0 <= frame < track.level_db.size):
                continue
            silent = out[position] == SILENCE and track.level_db[frame] >= SPEECH_DB
            if silent or (out[position] in BILABIALS and _vowel_loud(track, frame)):
                out[position] = OPEN_VOWEL
    for closure in closures:
        a, b = max(closure.start - first, 0), max(min(closure.end - first, len(out)), 0)
        if closure.score >= CLOSURE_SCORE:
            out[a:b] = ["M" if closure.voiced else "P"] * (b - a)
            continue
        lo, hi = max(a - RECOGNIZER_MARGIN, 0), min(b + RECOGNIZER_MARGIN, len(out))
        nasal = closure.voiced and BILABIALS.intersection(out[lo:hi]) == {"M"}
        if closure.acoustic <= (NASAL_VETO_SCORE if nasal else VETO_SCORE):
            out[lo:hi] = ["N" if label in BILABIALS else label for label in out[lo:hi]]
    return out


def _vowel_loud(track: ClosureTrack, frame: int) -> bool:
    """Whether track frame `frame` (an index into its arrays) is speech within
    OPEN_DEPTH_DB of the loudest frame within NEIGHBOUR_FRAMES and without a murmur's
    spectrum (a loud nasal keeps the lips sealed): a vowel, lips open."""
    level = track.level_db
    around = level[max(frame - NEIGHBOUR_FRAMES, 0) : frame + NEIGHBOUR_FRAMES + 1]
    loud = level[frame] >= SPEECH_DB and level[frame] >= around.max() - OPEN_DEPTH_DB
    return bool(loud and track.low_share_db[frame] < MURMUR_LOW_SHARE_DB)


def segments_of(labels: Sequence[str], first: int) -> list[PhoneSegment]:
    """Phone segments of `labels` (label `first` onwards); "" labels belong to none."""
    segments: list[PhoneSegment] = []
    for index, label in enumerate(labels, first):
        if not label:
            continue
        last = segments[-1] if segments else None
        if last is not None and last.phone == label and last.end == index:
            segments[-1] = PhoneSegment(label, last.start, index + 1)
        else:
            segments.append(PhoneSegment(label, index, index + 1))
    return segments
