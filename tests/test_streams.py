"""racesim/run/streams.py: the event streams drawn on one shared generator give the
numbers of a generator each, and a remembered key is the key."""

from __future__ import annotations

import hashlib

import numpy as np

from racesim.run.streams import (
    REPLAY_AT_MOST,
    EventStream,
    SharedGenerator,
    event_stream,
    philox_key,
)


def test_event_streams_taking_turns_draw_what_their_own_generators_draw():
    shared = SharedGenerator()
    names = [("cnsa", "hazard", "axe", "0", "events"), ("nasa", "x", "stand_down")]
    streams = [EventStream(shared, philox_key(5, *n), i) for i, n in enumerate(names * 2)]
    own = [event_stream(5, n, i) for i, n in enumerate(names * 2)]
    rng = np.random.default_rng(1)
    for _ in range(400):  # interleaved at random, uniforms and exponentials mixed
        j = int(rng.integers(len(streams)))
        if rng.random() < 0.5:
            assert streams[j].random() == own[j].random()
        else:
            assert streams[j].exponential() == own[j].exponential()


def test_a_remembered_key_is_the_seed_sequences_and_read_only():
    key = philox_key(20230820, "roscosmos", "luna27", "stand_down")
    names = [
        int.from_bytes(hashlib.sha256(x.encode()).digest()[:8], "little")
        for x in ("roscosmos", "luna27", "stand_down")
    ]
    want = np.random.SeedSequence([20230820, *names]).generate_state(2, np.uint64)
    assert np.array_equal(key, want) and not key.flags.writeable
    assert philox_key(20230820, "roscosmos", "luna27", "stand_down") is key
    assert not np.array_equal(philox_key(20230821, "roscosmos", "luna27", "stand_down"), key)


class _Counting:
    """A generator that counts the numbers drawn from it."""

    def __init__(self, gen):
        self.gen, self.calls = gen, 0

    def random(self):
        self.calls += 1
        return self.gen.random()

    def exponential(self):
        self.calls += 1
        return self.gen.exponential()


def test_streams_taking_turns_replay_a_bounded_number_of_draws():
    """Two streams alternating for 200 draws each: each turn replays at most a few
    earlier draws (the review found every turn replaying all of them: 40,000 draws
    here, and a run of two busy pause hazards 20x slower)."""
    shared = SharedGenerator()
    counting = shared.gen = _Counting(shared.gen)
    names = [("cnsa", "hazard", "a", "0", "events"), ("cnsa", "hazard", "b", "0", "events")]
    streams = [EventStream(shared, philox_key(3, *n), 7) for n in names]
    own = [event_stream(3, n, 7) for n in names]
    for k in range(400):
        j = k % 2
        draw = "exponential" if k % 3 else "random"
        assert getattr(streams[j], draw)() == getattr(own[j], draw)()
    assert counting.calls <= 400 + 2 * sum(range(REPLAY_AT_MOST + 1)), counting.calls
