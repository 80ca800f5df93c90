"""Retry delays: the work queue's rate limiters and the informer's back-off."""

from __future__ import annotations

import itertools

import pytest

from observe.client.backoff import Backoff
from observe.client.clock import FakeClock
from observe.client.ratelimit import (
    ItemExponentialRateLimiter,
    MaxOfRateLimiter,
    TokenBucketRateLimiter,
    default_controller_rate_limiter,
)


def test_per_item_backoff_doubles_from_5ms_up_to_the_cap():
    limiter = ItemExponentialRateLimiter(0.005, 1000.0)
    delays = [limiter.when("a") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 1000.0, "2**19 * 5ms is far beyond the cap"
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert limiter.num_requeues("a") == 20


def test_per_item_backoff_is_per_key_and_reset_by_forget():
    limiter = ItemExponentialRateLimiter(0.005, 1000.0)
    limiter.when("a")
    limiter.when("a")
    assert limiter.when("b") == 0.005, "another key starts afresh"
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 0.005


def test_per_item_backoff_survives_huge_failure_counts():
    limiter = ItemExponentialRateLimiter(0.005, 1000.0)
    for _ in range(5000):
        delay = limiter.when("stuck")
    assert delay == 1000.0


def test_token_bucket_allows_a_burst_then_spaces_retries_at_qps():
    clock = FakeClock()
    bucket = TokenBucketRateLimiter(qps=10, burst=3, clock=clock)
    assert [bucket.when(i) for i in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.when("x") == pytest.approx(0.1)
    assert bucket.when("y") == pytest.approx(0.2), "reservations queue up behind each other"
    clock.advance(10)
    assert bucket.when("z") == 0.0, "the bucket refills with time"


def test_token_bucket_refill_is_capped_at_burst():
    clock = FakeClock()
    bucket = TokenBucketRateLimiter(qps=10, burst=2, clock=clock)
    bucket.when(1)
    clock.advance(3600)
    assert [bucket.when(i) for i in range(3)] == pytest.approx([0.0, 0.0, 0.1])


def test_max_of_counts_every_limiter_and_takes_the_longest_wait():
    clock = FakeClock()
    limiter = MaxOfRateLimiter(ItemExponentialRateLimiter(0.005, 1000.0),
                               TokenBucketRateLimiter(qps=10, burst=1, clock=clock))
    assert limiter.when("a") == 0.005
    assert limiter.when("b") == pytest.approx(0.1), "bucket empty: its wait is longer"
    assert limiter.num_requeues("a") == 1
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0


def test_default_controller_rate_limiter_matches_client_go():
    clock = FakeClock()
    limiter = default_controller_rate_limiter(clock)
    # 100 distinct keys fit in the burst; the 101st waits for a token at 10 qps.
    assert all(limiter.when(i) == 0.005 for i in range(100))
    assert limiter.when("one-too-many") == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("rand", "want"),
    [
        (0.0, [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]),
        (0.5, [1.2, 2.4, 4.8, 9.6, 19.2, 30.0, 30.0, 30.0]),
    ],
    ids=["no-jitter", "half-jitter"],
)
def test_backoff_doubles_from_800ms_with_jitter_capped_at_30s(rand, want):
    backoff = Backoff(rand=lambda: rand)
    assert [backoff.next() for _ in want] == pytest.approx(want)
    assert backoff.failures == len(want)


def test_backoff_reset_starts_over():
    backoff = Backoff(rand=lambda: 0.0)
    for _ in range(5):
        backoff.next()
    backoff.reset()
    assert backoff.next() == pytest.approx(0.8)
