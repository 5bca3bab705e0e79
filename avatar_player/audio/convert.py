"""Decode audio clips (soundfile) and resample them (soxr) to int16 mono at a session rate."""

from __future__ import annotations

import io
import operator
from enum import StrEnum
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

# libsndfile error codes (sf_error): the public ones, plus its internal SFE_UNIMPLEMENTED.
_SF_UNRECOGNISED_FORMAT = 1
_SF_SYSTEM = 2
_SF_UNSUPPORTED = (4, 18)
READ_BLOCK_FRAMES = 1 << 16


class ClipErrorCode(StrEnum):
    UNREADABLE = "clipUnreadable"
    EMPTY = "clipEmpty"
    NOT_AUDIO = "clipNotAudio"
    MALFORMED = "clipMalformed"
    UNSUPPORTED_FORMAT = "clipUnsupportedFormat"
    INVALID_SAMPLES = "clipInvalidSamples"
    BAD_RATE = "clipBadRate"


class ClipError(Exception):
    """A clip cannot be used; `code` is a stable `ClipErrorCode` string."""

    def __init__(self, code: ClipErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def pcm_from_float(samples: np.ndarray) -> np.ndarray:
    """Float samples in -1..1 to int16 (scale 32768, clipped)."""
    scaled = np.rint(np.asarray(samples, dtype=np.float64) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def load_clip(source: str | Path | bytes, target_rate: int) -> np.ndarray:
    """Decode a WAV/FLAC/OGG (anything libsndfile reads) to int16 mono at `target_rate`."""
    _check_rate(target_rate, "target")
    if isinstance(source, bytes):
        if not source:
            raise ClipError(ClipErrorCode.EMPTY, "no audio data")
        name, file = "<bytes>", io.BytesIO(source)
    else:
        name, file = str(source), source
        _check_file(Path(source))
    try:
        data, rate = _read_all(file)
    except sf.LibsndfileError as exc:
        raise ClipError(_code_for(exc.code), f"{name}: {exc.error_string}") from exc
    except (sf.SoundFileError, OSError) as exc:
        raise ClipError(ClipErrorCode.UNREADABLE, f"{name}: {exc}") from exc
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite mixes are refused below
        mono = data.mean(axis=1)
    return _to_session_rate(mono, rate, target_rate, name)


def _read_all(file: str | Path | io.BytesIO) -> tuple[np.ndarray, int]:
    """Every frame of `file` (float32, frames x channels) and its rate, read block by block
    to the end: the frame count of a header is not trusted (a FLAC of unknown length
    reports 2**63 - 1, which `sf.read` would allocate)."""
    blocks = []
    with sf.SoundFile(file) as sound:
        while True:
            blocks.append(sound.read(READ_BLOCK_FRAMES, dtype="float32", always_2d=True))
            if len(blocks[-1]) < READ_BLOCK_FRAMES:
                return np.concatenate(blocks), sound.samplerate


def load_raw_pcm(path: str | Path, source_rate: int, target_rate: int) -> np.ndarray:
    """Read headerless signed 16-bit little-endian mono PCM and resample it."""
    _check_rate(source_rate, "source")
    _check_rate(target_rate, "target")
    path = Path(path)
    _check_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ClipError(ClipErrorCode.UNREADABLE, f"{path}: {exc.strerror or exc}") from exc
    if len(raw) % 2:
        raise ClipError(ClipErrorCode.MALFORMED, f"{path}: odd byte count for 16-bit samples")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return _to_session_rate(samples, source_rate, target_rate, str(path))


def _check_rate(rate: int, which: str) -> None:
    try:
        valid = operator.index(rate) > 0
    except TypeError:
        valid = False
    if not valid:
        raise ClipError(ClipErrorCode.BAD_RATE, f"{which} sample rate must be positive: {rate!r}")


def _check_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ClipError(ClipErrorCode.UNREADABLE, f"{path}: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise ClipError(ClipErrorCode.UNREADABLE, f"{path}: is a directory")
    if size == 0:
        raise ClipError(ClipErrorCode.EMPTY, f"{path}: empty file")


def _code_for(sf_code: int) -> ClipErrorCode:
    if sf_code == _SF_UNRECOGNISED_FORMAT:
        return ClipErrorCode.NOT_AUDIO
    if sf_code == _SF_SYSTEM:
        return ClipErrorCode.UNREADABLE
    if sf_code in _SF_UNSUPPORTED:
        return ClipErrorCode.UNSUPPORTED_FORMAT
    return ClipErrorCode.MALFORMED


def _to_session_rate(mono: np.ndarray, rate: int, target_rate: int, name: str) -> np.ndarray:
    if mono.size == 0:
        raise ClipError(ClipErrorCode.EMPTY, f"{name}: no samples")
    if not np.isfinite(mono).all():
        raise ClipError(ClipErrorCode.INVALID_SAMPLES, f"{name}: NaN or infinite samples")
    if rate != target_rate:
        mono = soxr.resample(mono, rate, target_rate)
        if mono.size == 0:
            raise ClipError(
                ClipErrorCode.EMPTY, f"{name}: too short to resample to {target_rate} Hz"
            )
    return pcm_from_float(mono)
