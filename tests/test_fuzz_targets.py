"""The fuzz targets in fuzz/: each keeps its property on its seeds and on mutated inputs,
and runs under atheris (when installed) without a finding."""

from __future__ import annotations

import importlib
import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_common import corpus_dir, target_names

ROOT = Path(__file__).resolve().parents[1]
TARGETS = target_names()
MUTATED_INPUTS = 1200
ATHERIS_RUNS = 3000
ATHERIS_SECONDS = 4


def mutate(rng: random.Random, seeds: list[bytes]) -> bytes:
    """A random input, or a seed with bytes changed, inserted, removed, cut or spliced."""
    if rng.random() < 0.1:
        return rng.randbytes(rng.randrange(300))
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(data) + 1)
        match rng.randrange(5):
            case 0 if data:
                data[min(position, len(data) - 1)] = rng.choice((0, 1, 0x7F, 0x80, 0xFF))
            case 1 if data:
                data[min(position, len(data) - 1)] ^= 1 << rng.randrange(8)
            case 2:
                data[position:position] = rng.randbytes(rng.randint(1, 8))
            case 3:
                del data[position : position + rng.randint(1, 16)]
            case _:
                other = rng.choice(seeds)
                data[position:] = other[rng.randrange(len(other) + 1) :]
    return bytes(data)


def test_every_decoder_has_a_target_with_seeds() -> None:
    assert set(TARGETS) == {
        "client_envelope",
        "server_envelope",
        "motion_frames",
        "clip",
        "keyframes",
        "session_token",
        "token_request",
        "token_response",
        "relay_message",
    }
    for target in TARGETS:
        assert any(corpus_dir(target).iterdir()), f"{target} has no seed corpus"


@pytest.mark.parametrize("target", TARGETS)
def test_target_keeps_its_property_on_seeds_and_mutations(target: str) -> None:
    module = importlib.import_module(f"fuzz_{target}")
    seeds = [path.read_bytes() for path in sorted(corpus_dir(target).iterdir())]
    seeds += module.seeds()
    for data in seeds:
        module.TestOneInput(data)
    rng = random.Random(target)
    for _ in range(MUTATED_INPUTS):
        module.TestOneInput(mutate(rng, seeds))


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
def test_targets_run_under_atheris(tmp_path: Path) -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    # libFuzzer ends the process without Python's atexit: scratch files go to tmp_path
    env = {**os.environ, "PYTHONPATH": path, "TMPDIR": str(tmp_path)}
    runs = {}
    for target in TARGETS:
        work = tmp_path / target
        work.mkdir()
        command = [
            sys.executable,
            str(ROOT / "fuzz" / f"fuzz_{target}.py"),
            f"-runs={ATHERIS_RUNS}",
            f"-max_total_time={ATHERIS_SECONDS}",
            f"-artifact_prefix={work}/",
            str(work),
            str(corpus_dir(target)),
        ]
        runs[target] = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    for target, process in runs.items():
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, f"{target}:\n{output.decode(errors='replace')[-4000:]}"
        assert b"Done" in output, output[-2000:]
