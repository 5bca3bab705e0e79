"""Speaking: one speech source streamed, chunk by chunk as it is produced, into the
controller as one response (Basic Mode: to the Motion Server and the playback; Custom
Mode: to the relay)."""

from __future__ import annotations

import contextlib

import numpy as np

from avatar_player.client import AvatarError
from avatar_player.player.controller import AvatarController
from avatar_player.speech import SpeechSource

_END = np.zeros(0, dtype=np.int16)


async def speak(controller: AvatarController, source: SpeechSource) -> str | None:
    """Stream `source` as one response; its conversation id (None: nothing was produced).

    Each chunk is sent the moment the source yields it. The response ends when the source
    ends, fails (what was sent plays; the source's error is raised) or is interrupted
    (the source is closed at once); a response still being sent is interrupted first.
    AvatarError when the audio cannot be sent.
    """
    if controller.sending:
        await controller.interrupt()
    req_id = ""
    stream = source.stream(controller.sample_rate)
    try:
        async for pcm in stream:
            if req_id and not controller.is_sending(req_id):
                break  # interrupted: stop producing
            if pcm.size:
                req_id = await controller.send(pcm, audible=source.audible, live=source.live)
    finally:
        await stream.aclose()
        if req_id and controller.is_sending(req_id):
            with contextlib.suppress(AvatarError):  # the reader reports a lost connection
                await controller.send(_END, end=True)
    return req_id or None
