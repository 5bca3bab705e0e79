"""The QA report of a session recording: what a recording can tell in the report's shape
(the HTML report and the summary take it like a run's)."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from pathlib import Path
from typing import Any

from avatar_player.models.error_log import ErrorLog, Severity
from avatar_player.models.timeline import Timeline
from avatar_player.player.recording import Recording, error_from_json
from avatar_player.player.states import ConversationState, StateChangeReason
from avatar_player.qa.stats import spread_ms
from avatar_player.qa.verdict import counts_by_code


def report_of_recording(
    recording: Recording, timeline: Timeline, path: Path | None = None
) -> dict[str, Any]:
    """What an HTML report needs of a recording, in the QA report's shape where it can."""
    now = 0.0
    log = ErrorLog(clock=lambda: now)
    for event in recording.of_type("error"):
        now = event["t"]
        log.add_error(error_from_json(event["error"]))
    header = recording.header
    return {
        "verdict": "n/a (recording)",
        "reasons": [],
        "options": {
            "source": "recording",
            "path": None if path is None else str(path),
            "recorded": header.get("source", {}),
            "created": header.get("created"),
            "rate": recording.sample_rate,
        },
        "overall": _overall(recording, timeline),
        "log": {
            "errors_by_code": counts_by_code(log.entries, Severity.ERROR),
            "warnings_by_code": counts_by_code(log.entries, Severity.WARNING),
            "entries": [asdict(entry) for entry in log.entries],
        },
        "duration_s": round(recording.events[-1]["t"], 3) if recording.events else 0.0,
        "frames": len(timeline.frames),
    }


def _overall(recording: Recording, timeline: Timeline) -> dict[str, Any]:
    """The report's `overall` figures as far as a recording holds them: times from each
    response's begin (its first audio sent) and rebuffers; not the times from the request,
    the underruns or the A/V offsets (it does not say when frames were presented)."""
    begun: dict[str, float] = {}
    motion: dict[str, float] = {}
    playing: dict[str, float] = {}
    shown: dict[str, float] = {}
    frames = iter(timeline.frames)
    req_id = ""
    for event in recording.of_type("begin", "motion", "conversation", "frame"):
        kind, t = event["type"], event["t"]
        if kind == "begin":
            req_id = event["req_id"]
            begun.setdefault(req_id, t)
        elif kind == "motion":
            motion.setdefault(event["req_id"], t)
        elif kind == "conversation" and event["state"] == ConversationState.PLAYING:
            playing.setdefault(event["req_id"], t)
        elif kind == "frame":
            frame = next(frames, None)
            if frame is not None and "pose" in event:  # a frame showing the response's motion
                shown.setdefault(req_id, frame.t)

    def since_begin(times: dict[str, float]) -> dict[str, float | None]:
        return spread_ms(
            [None if r not in times else (times[r] - t) * 1e3 for r, t in begun.items()]
        )

    rebuffering = (ConversationState.ACTIVE, StateChangeReason.REBUFFERING)
    stalls = [
        after.t - state.t
        for state, after in itertools.pairwise(timeline.states)
        if (state.state, state.reason) == rebuffering
    ]
    unknown = spread_ms([])
    return {
        "responses": len(begun),
        "time_to_first_motion_ms": since_begin(motion),
        "time_to_playing_ms": since_begin(playing),
        "time_to_first_rendered_frame_ms": since_begin(shown),
        "time_to_first_played_sample_ms": unknown,
        "time_to_first_moving_frame_ms": unknown,
        "av_offset": None,
        "underruns": None,
        "rebuffers": len(stalls),
        "stall_s": round(float(sum(stalls)), 3),
    }
