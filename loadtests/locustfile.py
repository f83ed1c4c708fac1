"""Locust users for the points mall.

    LOAD_MANIFEST=loadtests/.manifest.json locust -f loadtests/locustfile.py \
        --headless -u 64 -r 64 -t 30s -H http://127.0.0.1:8000 Redeemer

- `Shopper` (realistic): browses the mall, checks the wallet, redeems the hot limited
  reward, the voucher reward or an unlimited one.
- `Redeemer` (the benchmark): only redeems, back to back (the throughput test), or with
  LOAD_PACE=N as N redemptions per second per user arriving as a Poisson process
  (latency at a set load); also runs against the raw-SQL reference app
  (loadtests/reference_app.py), which serves only this path.
- `WarmUp`: redeems the unlimited rewards back to back, to warm a server up before a
  measured run without eating the hot reward's stock (bench.sh BENCH_WARMUP).
Expected outcomes are 201, 409 out_of_stock / insufficient_balance and 403
limit_reached; anything else (5xx, other codes) is a failure. One redemption in ten is
retried with the same Idempotency-Key and must get the identical response.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from typing import Any

import gevent
from locust import FastHttpUser, between, constant, task

_MANIFEST = json.load(open(os.environ.get("LOAD_MANIFEST", "loadtests/.manifest.json")))  # noqa: SIM115
#: where in the manifest's tokens this Locust process starts (two Locust processes driving
#: two app instances take different users: loadtests/two_instances.sh)
_OFFSET = int(os.environ.get("LOAD_TOKEN_OFFSET", "0")) % len(_MANIFEST["tokens"])
_TOKENS = itertools.cycle(_MANIFEST["tokens"][_OFFSET:] + _MANIFEST["tokens"][:_OFFSET])
REWARDS: dict[str, int] = _MANIFEST["rewards"]
EXPECTED = {(409, "out_of_stock"), (409, "insufficient_balance"), (403, "limit_reached")}
RETRY_SHARE = float(os.environ.get("LOAD_RETRY_SHARE", "0.1"))
PACE = float(os.environ.get("LOAD_PACE", "0") or 0)


class _MallUser(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {next(_TOKENS)}"}

    def redeem(self, role: str) -> None:
        reward_id = REWARDS[role]
        key = uuid.uuid4().hex
        body = {"shipping_address": "1 Load Test Road, Shanghai"}
        first = self._post(reward_id, body, key, "redeem")
        if first is not None and random.random() < RETRY_SHARE:
            again = self._post(reward_id, body, key, "redeem (retry, same key)")
            if again is not None and again != first:
                self.environment.events.request.fire(
                    request_type="CHECK", name="retry must replay the first response",
                    response_time=0, response_length=0, exception=AssertionError(
                        f"first {first} but retry {again}"), context={})

    def _post(self, reward_id: int, body: dict[str, Any], key: str,
              name: str) -> tuple[int, str] | None:
        with self.client.post(
            f"/api/v1/rewards/{reward_id}/redemptions", json=body, name=name,
            headers={**self.headers, "Idempotency-Key": key}, catch_response=True,
        ) as resp:
            if resp.status_code == 201:
                resp.success()
                return 201, resp.text if resp.text else ""
            try:
                code = resp.json()["error"]["code"]
            except Exception:  # noqa: BLE001 - any unparsable body is a failure
                code = "?"
            if (resp.status_code, code) in EXPECTED:
                resp.success()
                return resp.status_code, code
            resp.failure(f"unexpected {resp.status_code} {code}")
            return None


class Shopper(_MallUser):
    """A person on a phone: looks around, checks the wallet, sometimes redeems."""

    wait_time = between(0.5, 2)

    @task(4)
    def browse(self) -> None:
        self.client.get("/api/v1/rewards", headers=self.headers, name="mall")

    @task(2)
    def wallet(self) -> None:
        self.client.get("/api/v1/me", headers=self.headers, name="wallet")
        self.client.get("/api/v1/wallet/transactions?limit=10", headers=self.headers,
                        name="wallet history")

    @task(3)
    def redeem_hot(self) -> None:
        self.redeem("hot")

    @task(1)
    def redeem_voucher(self) -> None:
        self.redeem("voucher")

    @task(2)
    def redeem_unlimited(self) -> None:
        self.redeem(random.choice(["unlimited_a", "unlimited_b"]))


class Redeemer(_MallUser):
    """Benchmark user: redeems the hot reward and the unlimited ones, back to back or paced."""

    if PACE > 0:
        # Independent people, not a drill: each user's requests arrive as a Poisson
        # process (exponential gaps), so the 64 users together offer a Poisson stream of
        # 64 x PACE redemptions a second. A gap is counted from when the previous request
        # was due, not from its answer: a slow answer does not lower the offered load (a
        # request that is already due goes at once). A constant pace kept all users in
        # lockstep, and think times after each answer offered less as the app slowed.
        def wait_time(self) -> float:
            self._due += random.expovariate(PACE)
            return max(0.0, self._due - time.monotonic())

        def on_start(self) -> None:
            super().on_start()
            self._due = time.monotonic() + random.expovariate(PACE)  # not all at once
            gevent.sleep(max(0.0, self._due - time.monotonic()))
    else:
        wait_time = constant(0)

    @task(1)
    def redeem_hot(self) -> None:
        self.redeem("hot")

    @task(3)
    def redeem_unlimited(self) -> None:
        self.redeem(random.choice(["unlimited_a", "unlimited_b"]))


class WarmUp(_MallUser):
    """Warms a server up (code paths, connection pools, prepared statements): the
    unlimited rewards only, so the hot reward's stock is left for the measured run."""

    wait_time = constant(0)

    @task
    def redeem_unlimited(self) -> None:
        self.redeem(random.choice(["unlimited_a", "unlimited_b"]))
