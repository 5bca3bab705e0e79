"""Expressions (motion_version 3): the channels on the wire, the blendshapes of every
bundled avatar (their geometry, and a rendered smile and frown measured from pixels), the
prosody that drives them on real speech, and the idle layer's saccades and blinks."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from conftest import offscreen_context
from piper_speech import PAD_S, RATE, synthesized

from avatar_player.avatar.head import build_avatar
from avatar_player.avatar.library import BUNDLED
from avatar_player.avatar.model import Avatar
from avatar_player.motion import MotionGenerator
from avatar_player.motion.articulation import LOOKAHEAD_FRAMES
from avatar_player.motion.cues import CueExtractor, Cues
from avatar_player.motion.features import FrameAnalyzer
from avatar_player.motion.gestures import Blinks, Gaze
from avatar_player.motion.prosody import BROW_FLASH, MAX_EXPRESSION, Prosody
from avatar_player.protocol.client import AnimationReceived, ClientConnection
from avatar_player.protocol.codec import decode_message
from avatar_player.protocol.constants import FRAME_RATE, samples_per_frame
from avatar_player.protocol.motion import EXPRESSION_CHANNELS, frame_from_channels
from avatar_player.protocol.server import ServerConnection
from avatar_player.render.idle import IdleMotion
from avatar_player.render.lipsync import mouth_camera
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.tiers import Tier

DENSITY = 0.15
"""Avatars built at 15% of their splats: enough to render the lips' outline."""
TALK = ("Really? I thought you said the meeting was on Tuesday.", "No, it was on Thursday.")
PAUSE_S = 1.0
"""Silence between the two sentences of TALK."""


@cache
def avatar(seed: int) -> Avatar:
    return build_avatar("test-avatar", "Test", seed=seed, density=DENSITY)


SEEDS = [spec.seed for spec in BUNDLED]


# --- wire ---------------------------------------------------------------------------


def test_expression_channels_round_trip_through_the_codec() -> None:
    client, server = ClientConnection(16000), ServerConnection("c")
    server.receive(client.configure())
    client.receive(server.confirm())
    values = {name: 0.1 + 0.2 * i for i, name in enumerate(EXPRESSION_CHANNELS)}
    frame = frame_from_channels(3, 1920, jaw_open=0.5, brow_up=-0.3, **values)
    data = server.animation("r1", [frame], end=True)
    [raw] = decode_message(data).server_response_animation.frames
    assert {name: getattr(raw, name) for name in values} == pytest.approx(values)
    assert client.receive(data) == [AnimationReceived("r1", (frame,), True, has_motion=True)]


# --- blendshapes --------------------------------------------------------------------


def part_of(a: Avatar, name: str) -> range:
    return a.part_ranges()[name]


def moved(a: Avatar, shape: str, part: str) -> tuple[np.ndarray, np.ndarray]:
    """Rest positions and offsets of the splats of `part` that `shape` moves."""
    blendshape = a.blendshapes[shape]
    span = part_of(a, part)
    inside = (blendshape.index >= span.start) & (blendshape.index < span.stop)
    return a.splats.centre[blendshape.index[inside]], blendshape.delta[inside]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_avatar_has_the_expression_blendshapes_on_its_parts(seed: int) -> None:
    a = avatar(seed)
    expected = {
        "smile": ("lips", "skin"),
        "frown": ("lips", "skin"),
        "brow_furrow": ("brows", "skin"),
        "cheek_raise": ("skin", "eyelids"),
        "squint": ("skin", "eyelids"),
    }
    assert set(expected) == set(EXPRESSION_CHANNELS)
    for shape, parts in expected.items():
        for part in parts:
            assert len(moved(a, shape, part)[0]), (shape, part)
        index = a.blendshapes[shape].index
        for still in ("torso", "teeth", "eyes"):
            span = part_of(a, still)
            assert not np.any((index >= span.start) & (index < span.stop)), (shape, still)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_blendshapes_move_the_face_as_the_muscles_do(seed: int) -> None:
    a = avatar(seed)
    mouth = a.landmark("mouth")
    p, d = moved(a, "smile", "lips")
    corners = np.abs(p[:, 0]) > np.quantile(np.abs(p[:, 0]), 0.9)
    outward = d[corners, 0] * np.sign(p[corners, 0])
    assert d[corners, 1].mean() > 0.004 and d[corners, 2].mean() < -0.001
    assert outward.mean() > 0.002
    middle = np.abs(p[:, 0]) < 0.004
    assert np.abs(d[middle, 1]).max() < 0.3 * d[corners, 1].mean()  # lips stay together
    p, d = moved(a, "frown", "lips")
    corners = np.abs(p[:, 0]) > np.quantile(np.abs(p[:, 0]), 0.9)
    assert d[corners, 1].mean() < -0.003
    p, d = moved(a, "brow_furrow", "brows")
    inner = np.abs(p[:, 0]) < np.quantile(np.abs(p[:, 0]), 0.3)
    assert d[inner, 1].mean() < -0.002  # down
    assert (d[inner, 0] * np.sign(p[inner, 0])).mean() < -0.001  # toward the midline
    assert np.all(np.abs(p[:, 0] + d[:, 0]) <= np.abs(p[:, 0]) + 1e-9)  # none crosses it
    for shape in ("squint", "cheek_raise"):
        p, d = moved(a, shape, "eyelids")
        eye = a.landmark("eye_left")[1]
        lower = p[:, 1] < eye - 0.004
        assert d[lower, 1].max() > 0.0005, shape  # the lower lids rise
    p, d = moved(a, "squint", "eyelids")
    assert d[p[:, 1] > a.landmark("eye_left")[1] + 0.004, 1].min() < -0.0003
    p, d = moved(a, "cheek_raise", "skin")
    cheeks = (p[:, 1] < a.landmark("eye_left")[1] - 0.01) & (p[:, 1] > mouth[1] + 0.02)
    assert d[cheeks, 1].max() > 0.0015


# --- rendered -----------------------------------------------------------------------

WIDTH, HEIGHT = 240, 150
TIER = Tier("mouth-close-up", None, 1.0)
CREASE_BAND = (-0.012, 0.01)
"""Heights (metres, from the mouth landmark) searched for the line between the lips."""


@pytest.fixture(scope="module")
def context():
    ctx = offscreen_context(WIDTH, HEIGHT)
    yield ctx
    ctx.close()


def corner_lift(rgba: np.ndarray, rows: slice, columns: np.ndarray) -> float:
    """How far (pixels) the line between the lips sits higher at the corner `columns` (two)
    than in the middle between them. The line is followed from the darkest row (the
    crease) of the middle within `rows`, column by column to each corner, each step to the
    darkest of the three rows next to the last (so no other shadow is taken for it)."""
    luma = rgba[rows, :, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    strips = np.stack([np.roll(luma, k, axis=1) for k in range(-2, 3)]).mean(axis=0)
    middle = (columns[0] + columns[1]) // 2
    start = int(np.argmin(strips[:, middle]))
    ends = []
    for corner in columns:
        row = start
        for column in range(middle, corner, 1 if corner > middle else -1):
            low = max(row - 1, 0)
            row = low + int(np.argmin(strips[low : row + 2, column]))
        ends.append(row)
    return start - sum(ends) / 2


@pytest.mark.parametrize("seed", SEEDS)
def test_a_rendered_smile_raises_the_mouth_corners_and_a_frown_lowers_them(seed, context):
    a = avatar(seed)
    camera = mouth_camera(a)
    renderer = AvatarRenderer(a, tier=TIER, camera=camera, idle=False)
    renderer.initialize()
    renderer.resize(WIDTH, HEIGHT)
    lips = a.splats.centre[a.part_ranges()["lips"].start : a.part_ranges()["lips"].stop]
    x, y, z = a.landmark("mouth")
    corners = [[x + side * 0.85 * np.abs(lips[:, 0]).max(), y, z] for side in (-1, 1)]
    columns = np.rint(camera.project(np.array(corners), WIDTH, HEIGHT)[:, 0]).astype(int)
    band = camera.project(
        np.array([[x, y + CREASE_BAND[1], z], [x, y + CREASE_BAND[0], z]]), WIDTH, HEIGHT
    )
    rows = slice(*np.rint(band[:, 1]).astype(int))

    def lift(**channels: float) -> float:
        renderer.render(frame_from_channels(0, 0, **channels).values, 0.0, context.framebuffer.id)
        return corner_lift(renderer.read_pixels(context.framebuffer.id), rows, columns)

    try:
        lifts = {
            "rest": lift(),
            "smile": lift(smile=1.0),
            "light": lift(smile=MAX_EXPRESSION),
            "frown": lift(frown=1.0),
        }
    finally:
        renderer.release()
    print(lifts)
    # About 3 pixels per millimetre: a full smile lifts the corners 3 mm or more.
    assert lifts["smile"] >= lifts["rest"] + 9.0, lifts
    assert lifts["rest"] + 2.0 <= lifts["light"] <= lifts["smile"] - 4.0, lifts
    assert lifts["frown"] <= lifts["rest"] - 6.0, lifts


# --- prosody --------------------------------------------------------------------------


@cache
def talk() -> np.ndarray:
    """TALK spoken by Piper with PAUSE_S of silence between the sentences."""
    pytest.importorskip("piper")
    first, second = (synthesized(text) for text in TALK)
    return np.concatenate([first, np.zeros(round(PAUSE_S * RATE), dtype=np.int16), second])


def cue_windows(pcm: np.ndarray) -> list[list[Cues]]:
    """The cue window of every frame, as the generator forms them."""
    size = samples_per_frame(RATE)
    analyzer, extractor = FrameAnalyzer(RATE), CueExtractor()
    padded = np.concatenate([np.zeros(size // 2), pcm, np.zeros(size * (LOOKAHEAD_FRAMES + 1))])
    cues = [
        extractor.update(analyzer.analyze(padded[i * size : (i + 1) * size]))
        for i in range(padded.size // size)
    ]
    return [cues[i : i + LOOKAHEAD_FRAMES + 1] for i in range(len(cues) - LOOKAHEAD_FRAMES)]


def test_prosody_drives_the_expressions_lightly_on_real_speech() -> None:
    pcm = talk()
    generator = MotionGenerator(RATE)
    frames = generator.push(pcm) + generator.finish()
    values = {name: np.array([f.scalar(name) for f in frames]) for name in EXPRESSION_CHANNELS}
    times = np.arange(len(frames)) / FRAME_RATE
    for name, track in values.items():
        assert track.min() >= 0.0 and track.max() <= MAX_EXPRESSION, name
    assert not values["frown"].any()  # the generator leaves frowning to the content
    before = times < PAD_S - 0.1
    assert all(not track[before].any() for track in values.values())  # neutral before speech
    pause_start = (synthesized(TALK[0]).size - PAD_S * RATE) / RATE
    pause = (times > pause_start + 0.8) & (times < pause_start + 2 * PAD_S + PAUSE_S - 0.1)
    speaking = (times > PAD_S + 0.2) & (times < pause_start - 0.1)
    smile = values["smile"]
    print(f"smile speaking {smile[speaking].max():.2f}, in the pause {smile[pause].max():.2f}")
    assert 0.1 < smile[pause].max() <= MAX_EXPRESSION
    assert smile[speaking].max() < 0.02
    assert values["squint"].max() > 0.05 and values["cheek_raise"].max() > 0.05


def test_brows_flash_on_pitch_accents() -> None:
    prosody = Prosody()
    windows = cue_windows(talk())
    flashes = np.array([prosody.step(window, 0.0)["brow_up"] for window in windows])
    starts = np.flatnonzero((flashes[1:] > 0.05) & (flashes[:-1] <= 0.05))
    seconds = len(windows) / FRAME_RATE
    print(f"{starts.size} brow flashes in {seconds:.1f} s, peak {flashes.max():.2f}")
    assert 0.1 < flashes.max() <= BROW_FLASH
    assert 2 <= starts.size <= seconds  # at most one a second
    assert Prosody().step(windows[0], 0.9)["brow_up"] == pytest.approx(0.9)  # passed through
    prosody = Prosody()
    high = [prosody.step(window, 0.95)["brow_up"] for window in windows]
    assert max(high) == 1.0  # a flash on a raised brow stops at the top


# --- idle layer and gestures ----------------------------------------------------------


def test_idle_saccades_jump_quickly_between_fixations_of_varied_length() -> None:
    idle, step = IdleMotion(5), 0.002
    times = np.arange(0.0, 180.0, step)
    gaze = np.array([idle.gaze(t) for t in times])
    speed = np.linalg.norm(np.diff(gaze, axis=0), axis=1) / step
    moving = speed > 0.05
    starts = np.flatnonzero(moving[1:] & ~moving[:-1]) + 1
    ends = np.flatnonzero(moving[:-1] & ~moving[1:]) + 1
    ends = ends[ends > starts[0]][: starts.size]
    durations = (ends - starts[: ends.size]) * step
    fixations = np.diff(starts) * step
    print(
        f"{starts.size} saccades in 3 min, {1000 * np.median(durations):.0f} ms each; "
        f"fixations median {np.median(fixations):.2f} s, "
        f"{fixations.min():.2f}-{fixations.max():.2f} s"
    )
    assert 90 <= starts.size <= 240
    assert np.all(durations <= 0.045) and np.median(durations) >= 0.015  # a few degrees
    assert 0.7 < np.median(fixations) < 1.6
    assert fixations.std() / fixations.mean() > 0.35  # varied, not a metronome
    assert fixations.min() >= 0.3 and fixations.max() > 2.5
    assert np.abs(gaze).max() <= 0.06 and np.abs(gaze).max() > 0.03


def test_idle_blinks_vary_in_interval_and_speed_and_sometimes_double() -> None:
    idle, step = IdleMotion(9), 0.004
    closure = np.array([idle.blink(t) for t in np.arange(0.0, 600.0, step)])
    closed = closure > 0.0
    starts = np.flatnonzero(closed[1:] & ~closed[:-1]) + 1
    intervals = np.diff(starts) * step
    doubles = intervals < 0.5
    single = intervals[~doubles]
    print(
        f"{starts.size} blinks in 10 min, {doubles.sum()} doubles; interval mean "
        f"{single.mean():.2f} s, median {np.median(single):.2f} s"
    )
    assert 120 <= starts.size <= 260  # 12-26 a minute
    assert 0.03 < doubles.mean() < 0.25
    assert single.mean() > np.median(single)  # right-skewed
    assert single.std() > 0.6
    peaks = [start + int(np.argmax(closure[start : start + 40])) for start in starts]
    closing = np.array([(peak - start) * step for peak, start in zip(peaks, starts, strict=True)])
    assert closing.std() > 0.006  # the lids close at varying speeds
    assert np.all(closing < 0.14)


def test_generator_gestures_have_skewed_blink_intervals_and_varied_fixations() -> None:
    blinks, gaze = Blinks(np.random.default_rng(2)), Gaze(np.random.default_rng(2))
    frames = 600 * FRAME_RATE
    blink = np.array([blinks.step() for _ in range(frames)])
    looks = np.array([gaze.step() for _ in range(frames)])
    closed = blink > 0
    intervals = np.diff(np.flatnonzero(closed[1:] & ~closed[:-1])) / FRAME_RATE
    assert intervals.min() >= 2.0 and intervals.max() <= 6.0
    assert intervals.mean() > np.median(intervals) + 0.1
    jumps = np.flatnonzero(np.any(np.diff(looks, axis=0) != 0, axis=1))
    fixations = np.diff(jumps) / FRAME_RATE
    assert fixations.std() / fixations.mean() > 0.35
