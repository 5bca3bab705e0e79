"""The JSON report of a QA run (keys documented in docs/qa.md; credentials never appear)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

import avatar_player
from avatar_player.models.error_log import Severity
from avatar_player.protocol.redaction import redact
from avatar_player.qa.recorder import ResponseRecord
from avatar_player.qa.run import QaRun
from avatar_player.qa.stats import FrameRate, OffsetStats, ms, spread_ms
from avatar_player.qa.verdict import (
    counts_by_code,
    relay_upstream_findings,
    run_findings,
    verdict,
)
from avatar_player.speech import TextToSpeech

REPORT_FORMAT = 1
"""Bumped when a key changes meaning or disappears (new keys may be added)."""


def build_report(run: QaRun) -> dict[str, Any]:
    """The report of a finished run."""
    options, recorder = run.options, run.recorder
    records = recorder.responses
    frame_rate = FrameRate.of(options.fps, recorder.fps_reports)
    log = run.session.log.entries
    findings = (
        run.findings
        + relay_upstream_findings(recorder.relay_upstream)
        + run_findings(records, log, recorder.underruns, frame_rate, options.budgets)
    )
    return {
        "tool": {
            "name": "avatar_player.qa",
            "version": avatar_player.__version__,
            "report_format": REPORT_FORMAT,
        },
        "verdict": verdict(findings),
        "reasons": [finding.to_json() for finding in findings],
        "options": _options(run),
        "server": _server(run),
        "clip": _clip(run),
        "speech": _speech(run),
        "overall": {
            "responses": len(records),
            "time_to_first_motion_ms": spread_ms([_first_motion(r) for r in records]),
            "time_to_playing_ms": spread_ms([r.since_sent_ms(r.playing_at) for r in records]),
            "time_to_first_rendered_frame_ms": spread_ms(
                [r.since_sent_ms(r.first_rendered_at) for r in records]
            ),
            "time_to_first_played_sample_ms": spread_ms(
                [r.since_requested_ms(r.first_sample_at) for r in records]
            ),
            "time_to_first_moving_frame_ms": spread_ms(
                [r.since_requested_ms(r.first_moving_at) for r in records]
            ),
            "av_offset": _offsets([o for r in records for o in r.offsets_ms]),
            "underruns": recorder.underruns,
            "rebuffers": sum(r.rebuffers for r in records),
            "stall_s": round(sum(r.stall_s for r in records), 3),
        },
        "responses": [_response(r, records) for r in records],
        "rendering": _rendering(run, frame_rate),
        "states": {
            "connection": recorder.connection,
            "conversation": recorder.conversation,
            "relay_upstream": recorder.relay_upstream,
        },
        "log": {
            "errors_by_code": counts_by_code(log, Severity.ERROR),
            "warnings_by_code": counts_by_code(log, Severity.WARNING),
            "entries": [asdict(entry) for entry in log],
        },
        "duration_s": round(run.duration_s, 3),
    }


def _options(run: QaRun) -> dict[str, object]:
    options, session = run.options, run.options.session
    width, height = options.size
    return {
        "app_id": session.app_id,
        "avatar": session.avatar_id,
        "rate": session.sample_rate,
        "audio": session.audio,
        "faults": dict(session.fault_query),
        "credentials": _credentials(run),
        "tier": options.tier or "auto",
        "size": f"{width}x{height}",
        "fps": options.fps,
        "repeat": options.repeat,
        "timeout_s": run.timeout_s,
        "budgets": asdict(options.budgets),
        "record": str(options.record) if options.record else None,
    }


def _clip(run: QaRun) -> dict[str, object] | None:
    clip = run.clip
    if clip is None:
        return None
    return {
        "path": str(clip.path),
        "duration_s": round(clip.duration_s, 3),
        "file_rate": clip.file_rate,
        "session_rate": clip.session_rate,
    }


def _speech(run: QaRun) -> dict[str, object]:
    """What produced the speech, and how."""
    source, options = run.source, run.options
    if isinstance(source, TextToSpeech):
        voice = str(options.voice) if options.voice else "bundled"
        return {"source": "tts", "text": options.say, "voice": voice, "engine": source.engine}
    return {"source": "clip", "pacing": options.pacing.label}


def _credentials(run: QaRun) -> str:
    """Which credential the player used (never its value)."""
    session = run.options.session
    if session.server == "relay":
        return "none"  # the relay holds the API key
    return "token" if session.token else "api-key" if session.api_key else "none"


def _server(run: QaRun) -> dict[str, object]:
    session = run.options.session
    return {
        "kind": session.server,
        "url": _public_url(run.ingress_url or session.url),
        "console_url": _public_url(session.console_url) or None,
    }


def _public_url(url: str) -> str:
    """`url` without user info, with credentials in the query masked."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return redact(urlunsplit(parts._replace(netloc=host)))


def _first_motion(record: ResponseRecord) -> float | None:
    return record.since_sent_ms(record.response.first_motion_at)


def _offsets(offsets_ms: list[float]) -> dict[str, object] | None:
    stats = OffsetStats.of(offsets_ms)
    return None if stats is None else stats.to_json()


def _response(record: ResponseRecord, records: list[ResponseRecord]) -> dict[str, object]:
    before = records[record.index - 2].underruns if record.index > 1 else 0
    underruns = None if record.underruns is None or before is None else record.underruns - before
    return {
        "index": record.index,
        "req_id": record.req_id,
        "time_to_first_motion_ms": ms(_first_motion(record)),
        "time_to_playing_ms": ms(record.since_sent_ms(record.playing_at)),
        "time_to_first_rendered_frame_ms": ms(record.since_sent_ms(record.first_rendered_at)),
        "time_to_first_played_sample_ms": ms(record.since_requested_ms(record.first_sample_at)),
        "time_to_first_moving_frame_ms": ms(record.since_requested_ms(record.first_moving_at)),
        "av_offset": _offsets(record.offsets_ms),
        "underruns": underruns,
        "rebuffers": record.rebuffers,
        "stall_s": round(record.stall_s, 3),
        "audio_only": record.response.fallback,
        "audio_only_reason": record.audio_only_reason,
        "end_reason": record.end_reason,
    }


def _rendering(run: QaRun, frame_rate: FrameRate) -> dict[str, object]:
    info, recorder = run.rendering, run.recorder
    times_ms = np.asarray(recorder.render_times_s) * 1000.0
    first_frame = recorder.renderer_first_frame_s
    return {
        "renderer": info.renderer if info else None,
        "tier": info.tier if info else None,
        "splats": info.splats if info else None,
        "first_frame_ms": None if first_frame is None else ms(first_frame * 1000.0),
        "frames": int(times_ms.size),
        "frame_ms": {
            "median": ms(np.median(times_ms)) if times_ms.size else None,
            "p95": ms(np.percentile(times_ms, 95)) if times_ms.size else None,
        },
        "fps": frame_rate.to_json(),
    }
