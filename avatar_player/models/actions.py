"""Which user actions are valid now: the rule behind the enabled state of every button."""

from __future__ import annotations

from enum import StrEnum

from avatar_player.player.states import ConnectionState, ConversationState


class Action(StrEnum):
    """Buttons and shortcuts of the player."""

    CONNECT = "connect"
    DISCONNECT = "disconnect"
    REFRESH_TOKEN = "refresh_token"
    PLAY = "play"
    PAUSE = "pause"
    RESUME = "resume"
    INTERRUPT = "interrupt"
    REPLAY = "replay"
    SAY = "say"
    TALK = "talk"


def valid_actions(
    connection: ConnectionState,
    conversation: ConversationState,
    *,
    host_mode_clip: bool,
    can_refresh_token: bool,
    can_reconnect: bool = False,
) -> set[Action]:
    """The actions a user may take in this state.

    A Host Mode clip (a recording with its own motion) and a session recording play
    without a connection; speech (a clip, typed text, the microphone) needs the Motion
    Server (or the relay): connected, or failed for a reason that sending speech
    reconnects from (`can_reconnect`). New speech replaces a response in progress.
    """
    actions: set[Action] = set()
    reachable = connection is ConnectionState.CONNECTED or can_reconnect
    if reachable:
        actions |= {Action.SAY, Action.TALK}
    if connection in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
        actions.add(Action.CONNECT)
    if connection in (ConnectionState.CONNECTED, ConnectionState.FAILED):
        actions.add(Action.DISCONNECT)
    if can_refresh_token and connection is not ConnectionState.CONNECTING:
        actions.add(Action.REFRESH_TOKEN)
    if conversation is ConversationState.IDLE and (host_mode_clip or reachable):
        actions.add(Action.PLAY)
    if conversation is ConversationState.IDLE:
        actions.add(Action.REPLAY)
    if conversation is ConversationState.PLAYING:
        actions.add(Action.PAUSE)
    if conversation is ConversationState.PAUSED:
        actions.add(Action.RESUME)
    if conversation is not ConversationState.IDLE:
        actions.add(Action.INTERRUPT)
    return actions
