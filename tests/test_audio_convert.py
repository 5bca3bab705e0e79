"""Clip decoding and resampling: real files through soundfile and soxr, and bad inputs."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fuzz_clip import unknown_length

from avatar_player.audio import ClipError, ClipErrorCode, load_clip, load_raw_pcm, pcm_from_float

CLIPS = sorted((Path(__file__).resolve().parent.parent / "resources" / "clips").glob("*.wav"))
RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
TONE_HZ = 1000


def stereo_tone(rate: int = 44100, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    tone = np.sin(2 * np.pi * TONE_HZ * t)
    return np.stack([0.5 * tone, 0.3 * tone], axis=1).astype(np.float32)


def peak_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(pcm.size)))
    return float(np.fft.rfftfreq(pcm.size, 1 / rate)[np.argmax(spectrum)])


def wav_bytes(data: np.ndarray, rate: int = 16000, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, data, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("suffix", "fmt", "subtype"),
    [(".wav", "WAV", "PCM_16"), (".flac", "FLAC", "PCM_16"), (".ogg", "OGG", "VORBIS")],
)
def test_stereo_44k_round_trip_to_16k_mono(tmp_path, suffix, fmt, subtype) -> None:
    path = tmp_path / f"tone{suffix}"
    sf.write(path, stereo_tone(), 44100, format=fmt, subtype=subtype)
    pcm = load_clip(path, 16000)
    assert pcm.dtype == np.int16 and pcm.ndim == 1
    assert abs(pcm.size - 16000) <= 1
    assert peak_hz(pcm, 16000) == pytest.approx(TONE_HZ, abs=2)
    steady = pcm[1000:-1000]  # downmix of 0.5 and 0.3 amplitudes: peak 0.4
    assert np.abs(steady).max() / 32768 == pytest.approx(0.4, rel=0.05)
    np.testing.assert_array_equal(load_clip(path.read_bytes(), 16000), pcm)


@pytest.mark.parametrize("rate", RATES)
def test_bundled_clips_load_at_every_rate(rate) -> None:
    assert len(CLIPS) >= 5
    for clip in CLIPS:
        info = sf.info(clip)
        pcm = load_clip(clip, rate)
        assert pcm.dtype == np.int16 and pcm.ndim == 1
        assert abs(pcm.size - info.frames * rate / info.samplerate) <= 1
        assert np.sqrt(np.mean(pcm.astype(np.float64) ** 2)) > 100  # speech, not silence
        if rate == info.samplerate:
            np.testing.assert_array_equal(pcm, sf.read(clip, dtype="int16")[0])


def test_raw_pcm_is_little_endian_int16_and_resampled(tmp_path) -> None:
    samples = (np.sin(np.arange(8000) * 2 * np.pi * 500 / 8000) * 20000).astype("<i2")
    path = tmp_path / "speech.pcm"
    path.write_bytes(samples.tobytes())
    np.testing.assert_array_equal(load_raw_pcm(path, 8000, 8000), samples)
    upsampled = load_raw_pcm(path, 8000, 16000)
    assert upsampled.size == 16000
    assert peak_hz(upsampled, 16000) == pytest.approx(500, abs=2)


def test_pcm_from_float_scales_and_clips() -> None:
    floats = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0])
    expected = [-32768, -32768, 0, 16384, 32767, 32767]
    np.testing.assert_array_equal(pcm_from_float(floats), expected)


def _bad_wav_encoding() -> bytes:
    """A WAV whose format tag is WAVE_FORMAT_EXTENSIBLE without the extension."""
    data = bytearray(wav_bytes(np.zeros(100, dtype=np.int16)))
    data[20:22] = (0xFFFE).to_bytes(2, "little")
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: d / "missing.wav", ClipErrorCode.UNREADABLE),
        (lambda d: d, ClipErrorCode.UNREADABLE),
        (lambda d: _write(d / "empty.wav", b""), ClipErrorCode.EMPTY),
        (lambda d: b"", ClipErrorCode.EMPTY),
        (lambda d: wav_bytes(np.zeros(0, dtype=np.int16)), ClipErrorCode.EMPTY),
        (lambda d: _write(d / "notes.wav", b"just some text\n" * 50), ClipErrorCode.NOT_AUDIO),
        (lambda d: wav_bytes(np.zeros(100, dtype=np.int16))[:30], ClipErrorCode.MALFORMED),
        (lambda d: _bad_wav_encoding(), ClipErrorCode.UNSUPPORTED_FORMAT),
        (
            lambda d: wav_bytes(np.array([0.1, np.nan, 0.2], dtype=np.float32), subtype="FLOAT"),
            ClipErrorCode.INVALID_SAMPLES,
        ),
    ],
    ids=[
        "missing",
        "directory",
        "empty-file",
        "empty-bytes",
        "zero-frames",
        "text",
        "truncated-header",
        "unimplemented-encoding",
        "nan",
    ],
)
def test_bad_clips_raise_clip_error_with_code(tmp_path, make, code) -> None:
    with pytest.raises(ClipError) as caught:
        load_clip(make(tmp_path), 16000)
    assert caught.value.code == code
    assert str(caught.value).startswith(f"{code}: ")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_rates_and_raw_pcm_errors(tmp_path) -> None:
    clip = CLIPS[0]
    for rate in (0, -16000, 16000.5):
        with pytest.raises(ClipError) as caught:
            load_clip(clip, rate)
        assert caught.value.code == "clipBadRate"
    odd = _write(tmp_path / "odd.pcm", b"\x01\x02\x03")
    with pytest.raises(ClipError) as caught:
        load_raw_pcm(odd, 16000, 16000)
    assert caught.value.code == "clipMalformed"
    with pytest.raises(ClipError) as caught:
        load_raw_pcm(_write(tmp_path / "empty.pcm", b""), 16000, 16000)
    assert caught.value.code == "clipEmpty"
    with pytest.raises(ClipError) as caught:
        load_raw_pcm(odd, 0, 16000)
    assert caught.value.code == "clipBadRate"


def test_a_flac_of_unknown_length_is_a_clip_error() -> None:
    # STREAMINFO's total-samples field 0 means "unknown": libsndfile then reports 2**63 - 1
    # frames, which reading "all frames" tried to allocate (a ValueError, found by
    # fuzz/fuzz_clip.py), and it fails to read such a file to its end (psf_fseek).
    buffer = io.BytesIO()
    sf.write(buffer, np.sin(np.arange(8000) / 5.0) * 0.5, 16000, format="FLAC")
    data = unknown_length(buffer.getvalue())
    assert sf.info(io.BytesIO(data)).frames > 2**62
    with pytest.raises(ClipError) as caught:
        load_clip(data, 16000)
    assert caught.value.code is ClipErrorCode.MALFORMED
