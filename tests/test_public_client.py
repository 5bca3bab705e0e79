"""A client that knows only the public AvatarKit schema (fields 1-8) completes a session.

It uses its own generated module (tests/public_schema), raw websockets and raw HTTP:
nothing from avatar_player's client code.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from conftest import API_KEY, APP_ID, AVATAR_ID, speech
from google.protobuf.unknown_fields import UnknownFieldSet
from public_schema import avatarkit_public_pb2 as public
from websockets.asyncio.client import connect

from avatar_player.server import MotionServer


def message(**fields: object) -> bytes:
    return public.Message(**fields).SerializeToString()


def parse(data: bytes) -> public.Message:
    parsed = public.Message()
    parsed.ParseFromString(data)
    return parsed


async def test_public_schema_client_completes_a_whole_session(server: MotionServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.console_url}/session-tokens",
            json={"expireAt": int(time.time()) + 600},
            headers={"X-Api-Key": API_KEY},
        ) as reply,
    ):
        token = (await reply.json())["sessionToken"]
    headers = {"X-App-ID": APP_ID, "X-Session-Key": token}
    pcm, rate = speech("hello_16k")
    async with connect(f"{server.ws_url}?id={AVATAR_ID}", additional_headers=headers) as ws:
        configure = public.ClientConfigureSession(
            sample_rate=rate, audio_format=public.AUDIO_FORMAT_PCM_S16LE
        )
        await ws.send(
            message(
                type=public.MESSAGE_CLIENT_CONFIGURE_SESSION, client_configure_session=configure
            )
        )
        confirm = parse(await ws.recv())
        assert confirm.type == public.MESSAGE_SERVER_CONFIRM_SESSION
        assert confirm.server_confirm_session.connection_id

        chunk = rate // 10
        for start in range(0, len(pcm), chunk):
            audio = public.ClientAudioInput(
                req_id="pub-1",
                audio=pcm[start : start + chunk].tobytes(),
                end=start + chunk >= len(pcm),
            )
            await ws.send(message(type=public.MESSAGE_CLIENT_AUDIO_INPUT, client_audio_input=audio))
        animations = []
        while True:
            reply_message = parse(await asyncio.wait_for(ws.recv(), 5))
            assert reply_message.type == public.MESSAGE_SERVER_RESPONSE_ANIMATION
            animations.append(reply_message.server_response_animation)
            if reply_message.server_response_animation.end:
                break
        assert {a.req_id for a in animations} == {"pub-1"}
        assert all(
            a.connection_id == confirm.server_confirm_session.connection_id for a in animations
        )
        # The motion payload travels in fields this client does not know.
        unknown = {f.field_number for a in animations for f in UnknownFieldSet(a)}
        assert unknown and min(unknown) >= 10

        audio = public.ClientAudioInput(req_id="pub-2", audio=pcm[:chunk].tobytes(), end=False)
        await ws.send(message(type=public.MESSAGE_CLIENT_AUDIO_INPUT, client_audio_input=audio))
        await ws.send(
            message(
                type=public.MESSAGE_CLIENT_INTERRUPT,
                client_interrupt=public.ClientInterrupt(req_id="pub-2"),
            )
        )
        await ws.close()
    assert ws.close_code == 1000
