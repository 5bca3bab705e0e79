"""The checks of a QA run and its verdict: fail if any check fails, else warn if any warns.

Fail: a response's first motion later than the budget or missing, a response that went
audio-only or did not end with playbackEnd, no frame showing a response's motion, an A/V
offset outside ITU-R BT.1359, an error in the log, a run that could not connect, load the
avatar or finish in time, a relay whose upstream session was not connected at the end.
Warn: an A/V offset outside ATSC IS-191 but inside BT.1359, underruns, a frame rate below
the target by more than the budget, a warning in the log, a relay upstream that failed and
reconnected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from avatar_player.models.error_log import LogEntry, Severity
from avatar_player.player import StateChangeReason
from avatar_player.protocol.relay_status import FAILURE_STATES, UpstreamState
from avatar_player.qa.options import Budgets
from avatar_player.qa.recorder import ResponseRecord
from avatar_player.qa.stats import FrameRate, Level, OffsetStats


@dataclass(frozen=True)
class Finding:
    """A failed or warning check, with a message that names the numbers."""

    level: Literal["warn", "fail"]
    check: str
    """Stable id: timeout, connection, avatar, play, relayUpstream, firstMotion, audioOnly,
    playbackEnd, firstRenderedFrame, avOffset, errors, underruns, frameRate, warnings."""
    message: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "check": self.check, "message": self.message}


def verdict(findings: Iterable[Finding]) -> Level:
    """fail if any finding fails, warn if any warns, else pass."""
    levels = {finding.level for finding in findings}
    return "fail" if "fail" in levels else "warn" if "warn" in levels else "pass"


def response_findings(record: ResponseRecord, budgets: Budgets) -> list[Finding]:
    """Latency, audio-only, end and A/V offset of one response."""
    name = f"response {record.index}"
    findings = []
    first_motion = record.since_sent_ms(record.response.first_motion_at)
    if first_motion is None:
        findings.append(Finding("fail", "firstMotion", f"{name}: no motion received"))
    elif first_motion > budgets.max_first_motion_ms:
        findings.append(
            Finding(
                "fail",
                "firstMotion",
                f"{name}: first motion {first_motion:.0f} ms after the first audio sent, "
                f"over the {budgets.max_first_motion_ms:g} ms budget",
            )
        )
    audio_only = record.response.fallback
    if audio_only:
        reason = record.audio_only_reason or StateChangeReason.FALLBACK_MODE
        findings.append(Finding("fail", "audioOnly", f"{name}: fell back to audio only ({reason})"))
    if record.end_reason is None:
        findings.append(Finding("fail", "playbackEnd", f"{name}: never ended"))
    elif record.end_reason is not StateChangeReason.PLAYBACK_END:
        message = f"{name}: ended by {record.end_reason}, not playbackEnd"
        findings.append(Finding("fail", "playbackEnd", message))
    if not audio_only and record.first_rendered_at is None:
        message = f"{name}: no rendered frame showed its motion"
        findings.append(Finding("fail", "firstRenderedFrame", message))
    offsets = OffsetStats.of(record.offsets_ms)
    if offsets is not None and offsets.verdict != "pass":
        level: Literal["warn", "fail"] = "warn" if offsets.verdict == "warn" else "fail"
        window = "inside ITU-R BT.1359" if level == "warn" else "outside ITU-R BT.1359"
        message = (
            f"{name}: A/V offset median {offsets.median_ms:+.1f} ms is outside ATSC IS-191 "
            f"(-45..+15 ms), {window} (-125..+45 ms)"
        )
        findings.append(Finding(level, "avOffset", message))
    return findings


def relay_upstream_findings(changes: Sequence[Mapping[str, object]]) -> list[Finding]:
    """Custom Mode: the relay's upstream failures (`Recorder.relay_upstream`): a fail when
    its session was not connected again by the end, else a warning."""
    failures = [change for change in changes if change["state"] in FAILURE_STATES]
    if not failures:
        return []
    last = failures[-1]
    what = f"{len(failures)} failure(s), the last {last['code']} ({last['message']})"
    final = [change["state"] for change in changes if change["state"] is not None][-1]
    if final == UpstreamState.CONNECTED:
        message = f"the relay's upstream session reconnected after {what}"
        return [Finding("warn", "relayUpstream", message)]
    message = f"the relay's upstream session was not connected at the end ({final}), after {what}"
    return [Finding("fail", "relayUpstream", message)]


def run_findings(
    records: Sequence[ResponseRecord],
    log: Sequence[LogEntry],
    underruns: int,
    frame_rate: FrameRate,
    budgets: Budgets,
) -> list[Finding]:
    """Every response's findings, then the log, underruns and frame rate."""
    findings = [finding for record in records for finding in response_findings(record, budgets)]
    if errors := counts_by_code(log, Severity.ERROR):
        findings.append(Finding("fail", "errors", f"errors in the log: {_listed(errors)}"))
    if warnings := counts_by_code(log, Severity.WARNING):
        findings.append(Finding("warn", "warnings", f"warnings in the log: {_listed(warnings)}"))
    if underruns:
        findings.append(Finding("warn", "underruns", f"{underruns} audio underrun(s)"))
    shortfall = frame_rate.shortfall_pct()
    if shortfall is not None and shortfall > budgets.max_fps_shortfall_pct:
        findings.append(
            Finding(
                "warn",
                "frameRate",
                f"rendered {frame_rate.actual_fps:.1f} fps, {shortfall:.0f}% below the "
                f"{frame_rate.expected_fps:g} fps target "
                f"(budget {budgets.max_fps_shortfall_pct:g}%)",
            )
        )
    return findings


def counts_by_code(log: Sequence[LogEntry], severity: Severity) -> dict[str, int]:
    """Occurrences per code of the log entries of `severity` (grouped entries count each)."""
    counts: Counter[str] = Counter()
    for entry in log:
        if entry.severity is severity:
            counts[entry.code] += entry.count
    return dict(sorted(counts.items()))


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} x{count}" for code, count in counts.items())
