"""The options of a QA run, from the command line (argparse rejects bad values, exit 2)."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from avatar_player import __version__
from avatar_player.bundled import clip_path, clip_paths
from avatar_player.models.player_session import SessionOptions
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES
from avatar_player.render.tiers import TIERS
from avatar_player.server.faults import QUERY_PREFIX, FaultConfig, query_key
from avatar_player.speech import Pacing

FAULT_KEYS = {query_key(f.name) for f in fields(FaultConfig)}
"""The Motion Server's per-session fault parameters (docs/protocol.md)."""
STDOUT = "-"


@dataclass(frozen=True)
class Budgets:
    """Limits of the verdict (the A/V windows are the standards', not options)."""

    max_first_motion_ms: float = 300.0
    """First audio sent -> first motion received. The Motion Server's phone recognition
    emits a frame once the audio 240 ms after it is in (docs/visemes.md), so audio produced
    in real time gets its first motion after about that long; past 300 ms the start of
    speech waits more than 100 ms beyond the player's 200 ms jitter buffer."""
    max_fps_shortfall_pct: float = 10.0
    """Rendered frame rate this far below the target: warn."""


@dataclass(frozen=True)
class QaOptions:
    """Everything a run needs: what to say (a clip or text) and how."""

    clip: Path | None
    """The speech clip (None: `say`); a bundled clip's name is resolved to its file."""
    session: SessionOptions
    say: str | None = None
    """Text to speak with TTS instead of a clip."""
    voice: Path | None = None
    """A Piper .onnx voice for `say` (None: the bundled voice)."""
    pacing: Pacing = field(default_factory=Pacing)
    """How the clip is produced over time (at once by default)."""
    recording: Path | None = None
    """A session recording to export (video, frames, HTML) instead of a run."""
    record: Path | None = None
    """Record the run's session to this file (the window's recording format)."""
    video: Path | None = None
    """Where the MP4 of the rendered frames and the played audio goes."""
    frames: Path | None = None
    """A folder for the rendered frames as PNG."""
    overlay: bool = False
    """Draw the state, the A/V offset and rebuffer marks on the video and frames."""
    video_codec: str = "libx264"
    html: Path | None = None
    """Where the self-contained HTML report goes."""
    report: str = STDOUT
    """Where the JSON report goes ('-': standard output)."""
    tier: str | None = None
    """Render quality tier (None: picked from GL_RENDERER, as in the app)."""
    size: tuple[int, int] = (640, 360)
    fps: float = 25.0
    repeat: int = 1
    timeout_s: float | None = None
    """None: 30 s plus twice the audio to play."""
    budgets: Budgets = Budgets()
    log_level: str = "WARNING"


def parse_options(argv: list[str] | None = None) -> QaOptions:
    """QaOptions from the command line; prints usage and exits 2 on bad values."""
    parser = _parser()
    args = parser.parse_args(argv)
    if sum(x is not None for x in (args.clip, args.say, args.recording)) != 1:
        parser.error("give one of CLIP, --say TEXT or --recording FILE")
    if args.record is not None and args.recording is not None:
        parser.error("--record records a run; --recording exports one already recorded")
    if args.say is not None and not args.say.strip():
        parser.error("--say: the text is empty")
    if args.stall_for is not None and args.stall_at is None:
        parser.error("--stall-for needs --stall-at")
    pacing = Pacing(
        speed=args.pace,
        stall_at_s=args.stall_at,
        stall_for_s=0.0 if args.stall_at is None else args.stall_for or 1.0,
        jitter_ms=args.jitter_ms,
    )
    if pacing.speed is None and (args.stall_at is not None or args.jitter_ms):
        parser.error("--stall-at and --jitter-ms need --pace realtime or a FACTOR")
    defaults = SessionOptions()
    session = SessionOptions(
        server="relay" if args.relay else "remote" if args.url else "embedded",
        url=args.relay or args.url or "",
        console_url=args.console_url or "",
        app_id=args.app_id,
        api_key=args.api_key if args.api_key is not None else defaults.api_key,
        token=args.token or "",
        avatar_id=args.avatar,
        sample_rate=args.rate,
        audio=args.audio,
        fault_query=dict(args.fault),
    )
    return QaOptions(
        clip=args.clip,
        session=session,
        say=args.say,
        voice=args.voice,
        pacing=pacing,
        recording=args.recording,
        record=args.record,
        video=args.video,
        frames=args.frames,
        overlay=args.overlay,
        video_codec=args.video_codec,
        html=args.html,
        report=args.report,
        tier=args.tier,
        size=args.size,
        fps=args.fps,
        repeat=args.repeat,
        timeout_s=args.timeout,
        budgets=Budgets(args.max_first_motion_ms, args.max_fps_shortfall_pct),
        log_level=args.log_level,
    )


def _parser() -> argparse.ArgumentParser:
    defaults, budgets = SessionOptions(), Budgets()
    parser = argparse.ArgumentParser(
        prog="python -m avatar_player.qa",
        description=(
            "Headless QA run: connect to the embedded Motion Server (or --url, --relay),\n"
            "play CLIP (at once, or produced over time with --pace) or speak --say TEXT,\n"
            "render the avatar offscreen (EGL: no display needed) and write a JSON report\n"
            "with a pass/warn/fail verdict. Report keys and rules: docs/qa.md."
        ),
        epilog=(
            "exit status: 0 pass or warn, 1 fail, 2 usage or setup error (bad option,\n"
            "unusable clip, no OpenGL, report not writable).\n\n"
            "example:\n"
            "  python -m avatar_player.qa hello_16k --fault latencyMs=350 --report qa-report.json\n"
            "  python -m avatar_player.qa pangram_24k --pace 0.8\n"
            "  python -m avatar_player.qa --say 'Hello there. How are you today?'"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"avatar-player-qa {__version__}")
    bundled = ", ".join(path.stem for path in clip_paths())
    parser.add_argument(
        "clip",
        type=_clip,
        nargs="?",
        help=f"speech clip to play: a file (WAV/FLAC/OGG, any rate) or a bundled clip ({bundled})",
    )
    speech = parser.add_argument_group("live speech")
    speech.add_argument("--say", metavar="TEXT", help="speak TEXT with TTS instead of a clip")
    speech.add_argument(
        "--voice", type=Path, metavar="ONNX", help="Piper voice for --say (default: bundled)"
    )
    speech.add_argument(
        "--pace",
        type=_pace,
        default=None,
        metavar="asap|realtime|FACTOR",
        help="produce the clip over time: asap (at once, the default), realtime, or a speed "
        "factor such as 0.8 (a producer slower than playback)",
    )
    speech.add_argument(
        "--stall-at", type=_non_negative, metavar="S", help="the producer stalls at audio time S"
    )
    speech.add_argument(
        "--stall-for", type=_non_negative, metavar="S", help="for S seconds (default: 1)"
    )
    speech.add_argument(
        "--jitter-ms",
        type=_non_negative,
        default=0.0,
        metavar="N",
        help="each chunk arrives up to N ms late (order kept)",
    )

    server = parser.add_argument_group("server (default: the embedded Motion Server)")
    remote = server.add_mutually_exclusive_group()
    remote.add_argument(
        "--url", metavar="URL", help="ingress URL of a remote Motion Server (Basic Mode)"
    )
    remote.add_argument(
        "--relay", metavar="URL", help="the app's relay (Custom Mode, docs/relay.md)"
    )
    server.add_argument("--console-url", metavar="URL", help="token endpoint of the remote server")
    server.add_argument("--app-id", default=defaults.app_id, help="app id (default: %(default)s)")
    server.add_argument("--api-key", help="API key for the token endpoint (never reported)")
    server.add_argument("--token", help="a session token (never reported)")
    server.add_argument(
        "--avatar", default=defaults.avatar_id, help="avatar id (default: %(default)s)"
    )
    server.add_argument(
        "--rate",
        type=int,
        choices=SUPPORTED_SAMPLE_RATES,
        default=defaults.sample_rate,
        help="session sample rate; the clip is converted to it (default: %(default)s)",
    )
    server.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="server fault injection for this session, repeatable: latencyMs=200 is sent as "
        "faultLatencyMs=200 (names: docs/protocol.md)",
    )

    play = parser.add_argument_group("playback and rendering")
    play.add_argument(
        "--audio",
        choices=("null", "device"),
        default="null",
        help="null: a silent clock paced in real time (default); device: the sound card",
    )
    play.add_argument(
        "--tier", choices=tuple(TIERS), help="render quality (default: from GL_RENDERER)"
    )
    play.add_argument(
        "--size", type=_size, default=(640, 360), metavar="WxH", help="default: 640x360"
    )
    play.add_argument(
        "--fps", type=_positive, default=25.0, help="target render rate (default: %(default)s)"
    )
    play.add_argument(
        "--repeat",
        type=_count,
        default=1,
        metavar="N",
        help="play the clip N times in one session",
    )

    watch = parser.add_argument_group("watch the run")
    watch.add_argument(
        "--video", type=Path, metavar="MP4", help="the rendered frames with the played audio"
    )
    watch.add_argument(
        "--overlay", action="store_true", help="state, A/V offset and rebuffers on the video"
    )
    watch.add_argument(
        "--video-codec", default="libx264", metavar="NAME", help="FFmpeg encoder (libx264)"
    )
    watch.add_argument("--frames", type=Path, metavar="DIR", help="each frame as a PNG in DIR")
    watch.add_argument(
        "--html", type=Path, metavar="PATH", help="a self-contained HTML report with plots"
    )
    watch.add_argument(
        "--recording",
        type=Path,
        metavar="AVREC",
        help="make the video, frames and HTML of a session recording instead of a run",
    )
    watch.add_argument(
        "--record", type=Path, metavar="AVREC", help="record the run's session to AVREC"
    )

    run = parser.add_argument_group("run and report")
    run.add_argument(
        "--timeout",
        type=_positive,
        metavar="S",
        help="fail after S seconds (default: 30 + twice the audio to play)",
    )
    run.add_argument(
        "--report",
        default=STDOUT,
        metavar="PATH",
        help="JSON report file (default: '-', standard output; a summary goes to stderr)",
    )
    run.add_argument(
        "--log-level",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        help="Python logging on stderr (default: %(default)s)",
    )

    verdict = parser.add_argument_group("verdict budgets")
    verdict.add_argument(
        "--max-first-motion-ms",
        type=_positive,
        default=budgets.max_first_motion_ms,
        metavar="MS",
        help="fail when the first motion of a response comes later (default: %(default)g, "
        "the player's jitter buffer)",
    )
    verdict.add_argument(
        "--max-fps-shortfall-pct",
        type=_positive,
        default=budgets.max_fps_shortfall_pct,
        metavar="PCT",
        help="warn when the rendered frame rate is this far below --fps (default: %(default)g)",
    )
    return parser


def _clip(text: str) -> Path:
    """The file `text`, else the bundled clip of that name (a missing file is reported when
    the clip is loaded, with its error code)."""
    path = Path(text)
    return path if path.exists() else clip_path(text) or path


def _fault(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    key = QUERY_PREFIX + name[:1].upper() + name[1:]
    if not sep or key not in FAULT_KEYS:
        known = ", ".join(sorted(key.removeprefix(QUERY_PREFIX) for key in FAULT_KEYS))
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE with NAME one of {known}")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{text!r}: the value must be a finite number")
    return key, value


def _pace(text: str) -> float | None:
    if text == "asap":
        return None
    if text == "realtime":
        return 1.0
    try:
        return _positive(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected asap, realtime or a positive speed factor"
        ) from None


def _non_negative(text: str) -> float:
    number = _finite(text)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number >= 0")
    return number


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and 0 < int(width) <= 8192 >= int(height) > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 640x360")
    return int(width), int(height)


def _positive(text: str) -> float:
    number = _finite(text)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number")
    return number


def _finite(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number")
    return number


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 1")
    return int(text)
