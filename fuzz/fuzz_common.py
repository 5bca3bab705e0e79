"""What the fuzz targets share: the atheris runner, message framing, temp files, frame checks.

Each `fuzz_*.py` next to this file is one target: `TestOneInput(data)` turns the bytes into
a decoder's input and asserts that decoder's property through a `check_*` function, which
the hypothesis tests in tests/test_fuzz_decoders.py call too (one definition per property).
"""

from __future__ import annotations

import atexit
import gc
import os
import struct
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from avatar_player.protocol.client import ClientConnection
from avatar_player.protocol.motion import VECTOR_SIZE, MotionFrame, frame_from_channels
from avatar_player.protocol.server import ServerConnection
from avatar_player.server.faults import FaultConfig, FaultInjector

CORPUS_ROOT = Path(__file__).resolve().parent / "corpus"
INSTRUMENTED_PACKAGE = "avatar_player"
_LENGTH = struct.Struct("<H")


def target_names() -> list[str]:
    """Every fuzz target: the `fuzz_<name>.py` modules next to this one that define one."""
    modules = sorted(Path(__file__).resolve().parent.glob("fuzz_*.py"))
    return [path.stem.removeprefix("fuzz_") for path in modules if path != Path(__file__)]


def corpus_dir(target: str) -> Path:
    """The seed corpus of target `target` (its module name without the `fuzz_` prefix)."""
    return CORPUS_ROOT / target


def fuzz(test_one_input: Callable[[bytes], None], target: str) -> None:
    """Run `test_one_input` under atheris with the command line's libFuzzer options.

    Only the package's own functions are instrumented for coverage (instrumenting every
    loaded module takes a minute). Without corpus directories on the command line the
    fuzzer starts from the seed corpus and writes what it finds to a scratch directory,
    so the committed seeds stay as they are.
    """
    import atheris

    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and (obj.__module__ or "").startswith(
            INSTRUMENTED_PACKAGE
        ):
            atheris.instrument_func(obj)
    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):
        argv += [tempfile.mkdtemp(prefix=f"fuzz-{target}-"), str(corpus_dir(target))]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


def frame_messages(messages: list[bytes]) -> bytes:
    """Messages as one fuzz input: each prefixed with its length (2 bytes, little-endian)."""
    return b"".join(_LENGTH.pack(len(message)) + message for message in messages)


def split_messages(data: bytes) -> Iterator[bytes]:
    """The messages of a fuzz input made by `frame_messages` (the last one may be short)."""
    offset = 0
    while offset + _LENGTH.size <= len(data):
        (size,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        yield data[offset : offset + size]
        offset += size


class ScratchFile:
    """One temporary file, rewritten for every input (decoders that take a path)."""

    def __init__(self, suffix: str) -> None:
        handle, name = tempfile.mkstemp(prefix="fuzz-", suffix=suffix)
        os.close(handle)
        self.path = Path(name)
        atexit.register(self.path.unlink, missing_ok=True)

    def write(self, data: bytes) -> Path:
        """The file, now holding `data`."""
        self.path.write_bytes(data)
        return self.path


def open_client(
    sample_rate: int = 16000, *, relayed_audio: bool = False
) -> tuple[ClientConnection, ServerConnection]:
    """A client connection past the handshake, with the server end that confirmed it."""
    client = ClientConnection(sample_rate, relayed_audio=relayed_audio)
    server = ServerConnection("fuzz")
    server.receive(client.configure())
    client.receive(server.confirm())
    return client, server


def check_frame(frame: MotionFrame) -> None:
    """A decoded motion frame: one finite float32 vector of the full layout."""
    assert frame.values.dtype == np.float32, frame.values.dtype
    assert frame.values.shape == (VECTOR_SIZE,), frame.values.shape
    assert np.all(np.isfinite(frame.values)), frame.values


def seed_animations() -> list[bytes]:
    """Animation messages as the server sends them: clean, then as its fault injection
    damages them (non-finite values, missing components, cut in half)."""
    _, server = open_client()
    frames = [
        frame_from_channels(i, i * 640, jaw_open=0.1 * i, jaw_pose=[0.012 * i, 0, 0])
        for i in range(3)
    ]
    clean = server.animation("r1", frames, end=True)
    damaged = [
        FaultInjector(FaultConfig(**{fault: 1})).mangle(clean, len(frames))
        for fault in ("corrupt_every", "truncate_every", "garble_every")
    ]
    return [clean, *damaged]
