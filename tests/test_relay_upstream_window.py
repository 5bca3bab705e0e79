"""The window in Custom Mode under Xvfb: the status panel and the error log say why the
relay has no Motion Server session (a real relay, no Motion Server behind it)."""

from __future__ import annotations

from test_relay_upstream import free_ports, relay_without_server
from window_harness import badge, until

from avatar_player.ui.main_window import MainWindow


def test_the_window_shows_why_the_relay_has_no_upstream(run_window) -> None:
    ws_port, http_port = free_ports()

    async def scenario(window: MainWindow) -> None:
        status = window.status
        assert not status.relay_upstream.isVisibleTo(status), "nothing to show in Basic Mode"
        async with relay_without_server(ws_port, http_port, max_attempts=1) as relay:
            connection = window.connection
            connection.server.setCurrentIndex(connection.server.findData("relay"))
            connection.url.setText(relay.url)
            connection.connect_button.click()
            await until(lambda: badge(window, "relay_upstream") == "failed")
            assert status.relay_upstream.isVisibleTo(status)
            assert status.relay_upstream.text() == "failed  websocketError"
            assert status.relay_detail.text().startswith(
                "relay: upstream failed: websocketError (session_token: token request failed: "
            )
            assert badge(window, "connection") == "connected", "the relay itself is there"
            window.errors.set_code_filter({"websocketError"})
            [entry] = window.errors.visible_entries()
            assert (entry.code, entry.phase, entry.count) == ("websocketError", "relay_upstream", 2)
        await until(lambda: not status.relay_upstream.isVisibleTo(status))

    run_window(scenario)
