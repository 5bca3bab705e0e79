"""Per-frame acoustic features of speech, computed from one analysis window.

Every supported rate is a multiple of the frame rate, so one frame's worth of samples
(40 ms) is the analysis window at every rate, and a 2x zero-padded FFT puts its bins
12.5 Hz apart whatever the rate. The power spectrum's 0-4 kHz bins are then treated as
the full band of an 8 kHz signal (selective linear prediction, Makhoul 1975): the LPC
formants and the autocorrelation pitch come from that band, so every rate gets the same
analysis with no resampler and no resampler delay, and each window's features are a
pure function of its samples (chunking cannot change them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES, samples_per_frame

LPC_RATE = 8000
"""Effective rate of the 0-4 kHz band the formant and pitch analyses see."""
LPC_ORDER = 10
PRE_EMPHASIS = 0.9
LEVEL_BAND_HZ = (60.0, 8000.0)
HIGH_BAND_HZ = 3000.0
"""Energy above this (up to the level band's top) marks frication."""
PITCH_BAND_HZ = (900.0, 1200.0)
"""Low-pass taper (pass edge, stop edge) applied before the pitch autocorrelation."""
F0_RANGE_HZ = (75.0, 400.0)
VOICING_THRESHOLD = 0.5
"""Minimum normalised autocorrelation at the pitch lag for a frame to count as voiced."""
FORMANT_MAX_BANDWIDTH_HZ = 600.0
F1_RANGE_HZ = (200.0, 1100.0)
F2_RANGE_HZ = (550.0, 3000.0)
_FULL_SCALE = 32768.0
_EPS = 1e-12


@dataclass(frozen=True)
class FrameFeatures:
    """Acoustic description of one frame's window (NaN where undefined)."""

    level_db: float
    """Mean-square level in dBFS over LEVEL_BAND_HZ."""
    high_ratio: float
    """Share of the level band's energy above HIGH_BAND_HZ (0..1)."""
    f1_hz: float
    f2_hz: float
    f0_hz: float
    voicing: float
    """Normalised autocorrelation at the pitch lag (0..1); f0 is NaN below the threshold."""


class FrameAnalyzer:
    """Computes FrameFeatures from windows of `samples_per_frame(rate)` int16-range samples."""

    def __init__(self, sample_rate: int) -> None:
        if sample_rate not in SUPPORTED_SAMPLE_RATES:
            raise ValueError(f"unsupported sample rate {sample_rate}")
        self.window_size = samples_per_frame(sample_rate)
        self._nfft = 2 * self.window_size
        self._window = 0.5 - 0.5 * np.cos(
            2 * np.pi * np.arange(self.window_size) / self.window_size
        )
        freqs = np.fft.rfftfreq(self._nfft, 1.0 / sample_rate)
        top = min(LEVEL_BAND_HZ[1], sample_rate / 2)
        # One-sided power -> mean square: double the non-DC bins (Parseval).
        weight = np.where(freqs > 0, 2.0, 1.0) / (self._nfft * np.sum(self._window**2))
        self._level_weight = weight * ((freqs >= LEVEL_BAND_HZ[0]) & (freqs <= top))
        self._high_weight = self._level_weight * (freqs > HIGH_BAND_HZ)
        self._band_bins, self._pre_emphasis = lpc_band(self._nfft, sample_rate)
        self._lag_size = 2 * (self._band_bins - 1)
        band = freqs[: self._band_bins]
        edge, stop = PITCH_BAND_HZ
        self._pitch_taper = np.clip((stop - band) / (stop - edge), 0.0, 1.0)
        window_power = np.abs(np.fft.rfft(self._window, self._nfft)[: self._band_bins]) ** 2
        window_ac = np.fft.irfft(window_power * self._pitch_taper, self._lag_size)
        self._min_lag = int(LPC_RATE / F0_RANGE_HZ[1])
        self._max_lag = int(np.ceil(LPC_RATE / F0_RANGE_HZ[0]))
        # Autocorrelation of the taper window itself: dividing by it undoes the
        # window's bias towards short lags (Boersma 1993).
        self._window_ac = window_ac[: self._max_lag + 2] / window_ac[0]

    def analyze(self, window: np.ndarray) -> FrameFeatures:
        """Features of one window of `window_size` samples (int16 scale)."""
        spectrum = np.fft.rfft(window * self._window, self._nfft)
        power = spectrum.real**2 + spectrum.imag**2
        level = float(power @ self._level_weight)
        high = float(power @ self._high_weight)
        band = power[: self._band_bins]
        f1, f2 = band_formants(band, self._pre_emphasis)
        f0, voicing = self._pitch(np.fft.irfft(band * self._pitch_taper, self._lag_size))
        return FrameFeatures(
            level_db=10.0 * math.log10(level / _FULL_SCALE**2 + _EPS),
            high_ratio=high / (level + _EPS),
            f1_hz=f1,
            f2_hz=f2,
            f0_hz=f0,
            voicing=voicing,
        )

    def _pitch(self, autocorr: np.ndarray) -> tuple[float, float]:
        """f0 (NaN when unvoiced) and voicing strength from a band autocorrelation."""
        if autocorr[0] <= _EPS:
            return float("nan"), 0.0
        r = autocorr[: self._max_lag + 2] / autocorr[0] / np.maximum(self._window_ac, _EPS)
        lags = np.arange(self._min_lag, self._max_lag + 1)
        peaks = lags[(r[lags] >= r[lags - 1]) & (r[lags] > r[lags + 1])]
        if peaks.size == 0:
            return float("nan"), 0.0
        best = float(r[peaks].max())
        if best < VOICING_THRESHOLD:
            return float("nan"), max(best, 0.0)
        # The shortest lag nearly as strong as the best avoids octave-down errors.
        lag = int(peaks[r[peaks] >= 0.9 * best][0])
        voicing = min(float(r[lag]), 1.0)
        left, centre, right = r[lag - 1], r[lag], r[lag + 1]
        curvature = left - 2 * centre + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        return LPC_RATE / (lag + offset), voicing


def lpc_band(nfft: int, sample_rate: int) -> tuple[int, np.ndarray]:
    """The number of power-spectrum bins (FFT size `nfft`) that make up the 0-4 kHz band
    the LPC analysis sees, and the pre-emphasis weight of each."""
    bins = round(LPC_RATE / 2 * nfft / sample_rate) + 1
    band = np.arange(bins) * sample_rate / nfft
    return bins, 1 + PRE_EMPHASIS**2 - 2 * PRE_EMPHASIS * np.cos(2 * np.pi * band / LPC_RATE)


def band_formants(band_power: np.ndarray, pre_emphasis: np.ndarray) -> tuple[float, float]:
    """F1 and F2 (NaN where not found) of a 0-4 kHz power spectrum (see `lpc_band`)."""
    return _formants(np.fft.irfft(band_power * pre_emphasis, 2 * (band_power.size - 1)))


def _formants(autocorr: np.ndarray) -> tuple[float, float]:
    """F1 and F2 (NaN where not found) from the LPC model of an 8 kHz autocorrelation."""
    r = autocorr[: LPC_ORDER + 1].copy()
    if r[0] <= _EPS:
        return float("nan"), float("nan")
    r[0] *= 1.0 + 1e-6  # white-noise floor keeps the normal equations well conditioned
    index = np.arange(LPC_ORDER)
    toeplitz = r[np.abs(index[:, None] - index[None, :])]
    coeffs = np.linalg.solve(toeplitz, r[1:])
    roots = np.roots(np.concatenate(([1.0], -coeffs)))
    roots = roots[roots.imag > 0]
    freqs = np.angle(roots) * LPC_RATE / (2 * np.pi)
    bandwidths = -np.log(np.abs(roots)) * LPC_RATE / np.pi
    freqs = np.sort(freqs[bandwidths < FORMANT_MAX_BANDWIDTH_HZ])
    f1_candidates = freqs[(freqs >= F1_RANGE_HZ[0]) & (freqs <= F1_RANGE_HZ[1])]
    if f1_candidates.size == 0:
        return float("nan"), float("nan")
    f1 = float(f1_candidates[0])
    f2_candidates = freqs[(freqs > f1) & (freqs >= F2_RANGE_HZ[0]) & (freqs <= F2_RANGE_HZ[1])]
    f2 = float(f2_candidates[0]) if f2_candidates.size else float("nan")
    return f1, f2
