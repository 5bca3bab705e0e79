"""Custom Mode: the relay tells its players what became of its own Motion Server session.

Real relays and players over real sockets; the failing case is a relay whose Motion Server
is not running (yet), on ports that a real server takes later.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from conftest import ROOT, eventually, null_player, render_loop, speech_clip
from fuzz_relay_message import check_relay_message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_qa import qa_report
from test_relay import play_to_end

from avatar_player.client import ConnectionState, Phase, RetryPolicy
from avatar_player.models.player_session import PlayerSession
from avatar_player.player.relay_upstream import RelayUpstreamChange
from avatar_player.protocol.client import ClientConnection, ProtocolViolation
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import LAYOUT
from avatar_player.protocol.relay_status import (
    RelayMessageError,
    UpstreamFault,
    UpstreamReport,
    UpstreamState,
    decode_relay_message,
    encode_relay_message,
)
from avatar_player.qa.verdict import relay_upstream_findings
from avatar_player.relay import Relay, RelayConfig
from avatar_player.server import MotionServer

CONNECTING, CONNECTED = UpstreamState.CONNECTING, UpstreamState.CONNECTED
RECONNECTING, FAILED = UpstreamState.RECONNECTING, UpstreamState.FAILED
JAW = LAYOUT["jaw_open"]
ServerFactory = Callable[..., Awaitable[MotionServer]]


def free_ports() -> tuple[int, int]:
    """Two loopback ports nothing listens on (for a Motion Server that comes up later)."""
    sockets = [socket.socket() for _ in range(2)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = tuple(sock.getsockname()[1] for sock in sockets)
    for sock in sockets:
        sock.close()
    return ports[0], ports[1]


def relay_without_server(ws_port: int, http_port: int, max_attempts: int) -> Relay:
    """A relay whose Motion Server (on these ports) is not running; fast retries."""
    return Relay(
        RelayConfig(
            upstream_url=f"ws://127.0.0.1:{ws_port}/websocket",
            console_url=f"http://127.0.0.1:{http_port}",
            port=0,
            retry=RetryPolicy(base_s=0.05, cap_s=0.1, max_attempts=max_attempts),
        )
    )


def follow(session: PlayerSession) -> list[RelayUpstreamChange]:
    changes: list[RelayUpstreamChange] = []
    session.relay_upstream_changed.connect(changes.append)
    return changes


async def test_upstream_failure_reaches_the_log_and_the_status_then_the_next_response_recovers(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    """No Motion Server: the relay's token requests fail; the player, connected to the relay,
    logs each failure with its code in phase relay_upstream and shows `failed` with the
    reason. The server comes up: the next response makes the relay try again, and it plays
    with moving lips."""
    ws_port, http_port = free_ports()
    async with (
        relay_without_server(ws_port, http_port, max_attempts=2) as relay,
        null_player(server="relay", url=relay.url) as session,
        render_loop(session) as shown,
    ):
        changes = follow(session)
        assert await session.connect()  # the relay itself is there
        await eventually(lambda: bool(changes) and changes[-1].state is FAILED)
        assert [c.state for c in changes] == [CONNECTING, RECONNECTING, RECONNECTING, FAILED]
        failed = changes[-1]
        assert failed.error is not None
        assert (failed.error.code, failed.error.phase) == (
            ErrorCode.WEBSOCKET_ERROR,
            Phase.RELAY_UPSTREAM,
        )
        assert failed.error.message.startswith("session_token: token request failed: ")
        assert failed.describe().startswith(
            "upstream failed: websocketError (session_token: token request failed: "
        )
        [entry] = session.log.filtered(codes=["websocketError"])
        assert (entry.phase, entry.count) == ("relay_upstream", 3)  # one per try, grouped
        assert session.log.codes() == ["websocketError"]
        assert [report.error.phase for report in relay.errors] == ["session_token"] * 3
        assert session.controller is not None
        assert session.controller.connection_state is ConnectionState.CONNECTED
        assert session.controller.relay_upstream.current == failed

        await server_factory(ws_port=ws_port, http_port=http_port)
        changes.clear()
        conversation = await play_to_end(session, speech_clip(tmp_path, 1.5))
        [link] = relay.links.values()
        assert link.upstream is not None
        [upstream_id] = link.upstream.connection_ids
        assert changes == [
            RelayUpstreamChange(CONNECTING, failed.error),
            RelayUpstreamChange(CONNECTED, None, upstream_id),
        ]
        assert changes[0].describe().startswith("upstream connecting after websocketError (")
        assert changes[-1].describe() == f"upstream connected ({upstream_id})"
        assert "fallbackMode" not in [c.reason for c in conversation]
        assert max(float(pose[JAW][0]) for pose in shown) > 0.3
        assert [(e.code, e.count) for e in session.log.entries] == [("websocketError", 3)]


async def test_upstream_reconnects_on_its_own_and_a_relay_shutdown_is_told(
    server_factory: ServerFactory,
) -> None:
    """While the relay retries, the Motion Server comes up: the player sees `reconnecting`
    turn into `connected` without doing anything; a relay that shuts down says `closed`
    before the player's connection goes (then nothing is known)."""
    ws_port, http_port = free_ports()
    relay = relay_without_server(ws_port, http_port, max_attempts=1000)
    await relay.start()
    async with null_player(server="relay", url=relay.url) as session:
        changes = follow(session)
        assert await session.connect()
        await eventually(lambda: bool(changes) and changes[-1].state is RECONNECTING)
        await server_factory(ws_port=ws_port, http_port=http_port)
        await eventually(lambda: changes[-1].state is CONNECTED)
        states = [c.state for c in changes]
        assert states[0] is CONNECTING and set(states[1:-1]) == {RECONNECTING}
        assert all(c.error and c.error.phase is Phase.RELAY_UPSTREAM for c in changes[1:-1])

        await relay.stop()
        await eventually(lambda: changes[-1].state is None)
        assert [c.state for c in changes[-2:]] == [UpstreamState.CLOSED, None]
        assert [e.phase for e in session.log.entries].count("relay_upstream") == 1  # grouped


async def test_malformed_relay_messages_are_logged_with_a_stable_code(
    server: MotionServer, tmp_path: Path
) -> None:
    """Text frames that are no relay message reach the player over the relay's own
    connection: each is a relayMessageInvalid in the log; the connection, the upstream state
    and the next response are unaffected."""
    relay = Relay(RelayConfig(upstream_url=server.ws_url, console_url=server.console_url, port=0))
    async with relay, null_player(server="relay", url=relay.url) as session:
        changes = follow(session)
        assert await session.connect()
        await eventually(lambda: bool(changes) and changes[-1].state is CONNECTED)
        [link] = relay.links.values()
        malformed = [
            "{not json",
            "[1, 2]",
            json.dumps({"type": "upstream", "state": "failed", "error": None}),
            json.dumps({"type": "upstream", "state": "asleep"}),
            json.dumps({"type": "upstreamError", "error": {"code": "noSuchCode"}}),
            json.dumps({"type": "somethingNew"}),
            "[" * 100_000,
        ]
        for text in malformed:
            await link.ws.send(text)
        await eventually(lambda: sum(e.count for e in session.log.entries) == len(malformed))
        [entry] = session.log.entries
        assert (entry.code, entry.phase) == ("relayMessageInvalid", "websocket_runtime")
        assert session.controller is not None
        assert session.controller.connection_state is ConnectionState.CONNECTED
        assert session.controller.relay_upstream.current.state is CONNECTED
        conversation = await play_to_end(session, speech_clip(tmp_path, 0.6))
        assert "fallbackMode" not in [c.reason for c in conversation]


def test_every_relay_message_survives_a_round_trip() -> None:
    fault = UpstreamFault(
        ErrorCode.SESSION_TOKEN_EXPIRED,
        "websocket_runtime",
        "session token expired",
        server_code=4010,
        close_code=4010,
        connection_id="c1",
    )
    messages = [
        UpstreamReport(CONNECTING),
        UpstreamReport(CONNECTED, None, "c2"),
        UpstreamReport(RECONNECTING, fault),
        UpstreamReport(FAILED, UpstreamFault(ErrorCode.APP_ID_UNRECOGNIZED, "session_token", "")),
        UpstreamReport(UpstreamState.CLOSED),
        UpstreamFault(ErrorCode.WEBSOCKET_ERROR, "websocket_runtime", "no session", req_id="r1"),
    ]
    for message in messages:
        assert decode_relay_message(encode_relay_message(message)) == message
    long = UpstreamFault(ErrorCode.SERVER_ERROR, "websocket_handshake", "x" * 5000)
    decoded = decode_relay_message(encode_relay_message(long))
    assert isinstance(decoded, UpstreamFault) and len(decoded.message) == 1000


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
CODES = st.none() | st.integers(0, 4999)
FAULTS = st.builds(
    UpstreamFault,
    st.sampled_from(ErrorCode),
    st.text(max_size=20),
    st.text(max_size=60),
    http_status=CODES,
    server_code=CODES,
    close_code=CODES,
    connection_id=st.text(max_size=20),
    req_id=st.text(max_size=20),
)
MESSAGES = FAULTS | st.builds(
    UpstreamReport, st.sampled_from(UpstreamState), st.none() | FAULTS, st.text(max_size=20)
)
FIELDS = ("type", "state", "connectionId", "error")
ERROR_FIELDS = ("code", "phase", "message", "httpStatus", "serverCode", "closeCode", "reqId")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A relay message (consistent or not) with at most one field replaced by any JSON."""
    body = json.loads(encode_relay_message(draw(MESSAGES)))
    where = draw(st.sampled_from(["nothing", *FIELDS, *ERROR_FIELDS]))
    if where in FIELDS:
        body[where] = draw(JSON)
    elif where in ERROR_FIELDS and isinstance(body["error"], dict):
        body["error"][where] = draw(JSON)
    return json.dumps(body)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), JSON.map(json.dumps), mutated()))
def test_any_text_frame_is_a_relay_message_or_relay_message_invalid(text: str) -> None:
    check_relay_message(text)


def test_a_motion_server_text_frame_stays_a_protocol_error() -> None:
    """Outside Custom Mode a text frame is no relay message."""
    client = ClientConnection(16000)
    [event] = client.receive(encode_relay_message(UpstreamReport(CONNECTING)))
    assert isinstance(event, ProtocolViolation) and event.code is ErrorCode.PROTOCOL_ERROR


def test_hostile_relay_messages_are_refused() -> None:
    """Deep nesting and huge strings are refused, without blowing the stack."""
    hostile = (
        "[" * 1_000_000,
        json.dumps({"type": "upstream", "state": "connecting", "connectionId": "x" * 10**6}),
    )
    for text in hostile:
        try:
            decode_relay_message(text)
        except RelayMessageError:
            continue
        raise AssertionError(f"accepted {text[:20]}...")


def test_qa_in_custom_mode_fails_with_the_relay_upstream_reason(tmp_path: Path) -> None:
    """`python -m avatar_player.qa --relay` against a relay process whose Motion Server is
    not running: the report has the relay's upstream states and errors (phase
    relay_upstream) and fails first on relayUpstream, naming the code and the cause."""
    ws_port, http_port = free_ports()
    relay = subprocess.Popen(
        [
            sys.executable, "-m", "avatar_player.relay", "--port", "0",
            "--upstream", f"ws://127.0.0.1:{ws_port}/websocket",
            "--console-url", f"http://127.0.0.1:{http_port}",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert relay.stdout is not None
        url = relay.stdout.readline().split()[1]
        process, report = qa_report(tmp_path, "--relay", url)
    finally:
        relay.terminate()
        relay.wait(10)
    assert (process.returncode, report["verdict"]) == (1, "fail"), process.stderr
    first = report["reasons"][0]
    assert (first["level"], first["check"]) == ("fail", "relayUpstream")
    assert "websocketError (session_token: token request failed: " in first["message"]
    assert "relayUpstream" in process.stderr
    states = report["states"]["relay_upstream"]
    assert states[0]["state"] == "connecting"
    failures = [s for s in states if s["state"] in ("reconnecting", "failed")]
    assert failures and {s["code"] for s in failures} == {"websocketError"}
    assert all(s["message"].startswith("session_token: ") for s in failures)
    assert states[-1]["state"] is None  # the run closed its connection to the relay
    relay_entries = [e for e in report["log"]["entries"] if e["phase"] == "relay_upstream"]
    assert relay_entries and report["log"]["errors_by_code"]["websocketError"] >= len(failures)
    assert report["server"]["kind"] == "relay"


def test_a_relay_upstream_that_reconnected_is_a_warning() -> None:
    """The verdict of the states a run recorded: reconnected is a warning, the rest fails."""
    lost = {"state": RECONNECTING, "code": "websocketClosedAbnormally", "message": "m"}
    back = {"state": CONNECTED, "code": None, "message": None}
    gone = {"state": None, "code": None, "message": None}
    [warning] = relay_upstream_findings([back, lost, back, gone])
    assert (warning.level, warning.check) == ("warn", "relayUpstream")
    assert warning.message.endswith("after 1 failure(s), the last websocketClosedAbnormally (m)")
    [failure] = relay_upstream_findings([back, lost, gone])
    assert failure.level == "fail"
    assert failure.message.startswith(
        "the relay's upstream session was not connected at the end (reconnecting), after 1"
    )
    assert relay_upstream_findings([back, gone]) == []


def test_the_documented_messages_decode() -> None:
    """The examples in docs/relay.md are messages the player understands."""
    text = (ROOT / "docs" / "relay.md").read_text()
    block = text.split("```text\n", 1)[1].split("```", 1)[0]
    decoded = [decode_relay_message(line) for line in block.splitlines()]
    assert [type(m).__name__ for m in decoded] == ["UpstreamReport"] * 3 + ["UpstreamFault"]
