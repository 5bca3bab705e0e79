"""The adaptive jitter buffer: grows after rebuffers, shrinks back while none happens."""

from __future__ import annotations

import pytest

from avatar_player.player.jitter import JitterBuffer


def test_grows_after_each_rebuffer_up_to_its_cap() -> None:
    jitter = JitterBuffer(max_ms=1000.0)
    assert jitter.target_ms(200.0, now=0.0) == 200.0
    jitter.rebuffered(200.0, now=0.0)
    assert jitter.target_ms(200.0, now=0.0) == 400.0
    jitter.rebuffered(200.0, now=0.0)
    jitter.rebuffered(200.0, now=0.0)
    assert jitter.target_ms(200.0, now=0.0) == 1000.0, "capped"
    assert jitter.target_ms(60.0, now=0.0) == pytest.approx(300.0), "live scales the same"


def test_shrinks_back_to_the_base_while_arrivals_keep_up() -> None:
    jitter = JitterBuffer()
    jitter.rebuffered(200.0, now=10.0)
    assert jitter.target_ms(200.0, now=11.0) == pytest.approx(360.0)
    jitter.rebuffered(200.0, now=11.0)
    assert jitter.target_ms(200.0, now=11.0) == pytest.approx(720.0)
    assert jitter.target_ms(200.0, now=80.0) == 200.0, "never below the base"
