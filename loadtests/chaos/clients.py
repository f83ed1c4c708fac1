"""The chaos test's workload: client threads redeeming, swapping and checking in, each
value-moving POST retried with the same Idempotency-Key and body until it gets a
definitive answer, and the history of every acknowledged (2xx) write.

A definitive answer is any status below 500. Connection errors, timeouts and 5xx are
ambiguous (the write may or may not have happened), so the client retries; with a key
the retry replays the first result, and the steps without a key (check-in, ship,
confirm, cancel, approve) are idempotent by their cause: a retry of something that
already happened is refused (409) and the client reads the state back.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from loadtests.chaos.seed import Manifest

#: refusals the workload expects (status, error code): not failures
EXPECTED_REFUSALS = {
    (409, "out_of_stock"), (409, "insufficient_balance"), (403, "limit_reached"),
    (409, "already_checked_in"), (409, "listing_not_available"),
}
REQUEST_TIMEOUT = 15.0
SHIPPING_ADDRESS = "1 Chaos Road, Shanghai"


@dataclass
class Answer:
    """The definitive answer to one logical request, or None-status if none came in time."""

    status: int | None
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    ambiguous: bool = False  #: an earlier attempt may have acted before this answer

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def code(self) -> str:
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return str(body["error"].get("code", ""))
        return ""


@dataclass
class Ack:
    """One acknowledged write: what was sent and what came back."""

    kind: str  #: redeem | checkin | order | ship | confirm | cancel
    user: int  #: index into the manifest's tokens
    user_id: int
    method: str
    path: str
    body: dict[str, Any]
    key: str | None
    status: int
    response: str

    def json(self) -> Any:
        return json.loads(self.response)


def is_definitive(status: int | None) -> bool:
    """Below 500 the server has decided; 5xx, timeouts and dropped connections have not."""
    return status is not None and status < 500


class Stats:
    """Counters shared by every client thread (a lock keeps them exact)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.c: Counter[str] = Counter()
        #: the first answers that were 5xx but not 503 (a 500 is a bug: never a 500)
        self.samples: list[str] = []

    def sample(self, text: str) -> None:
        with self.lock:
            if len(self.samples) < 10:
                self.samples.append(text)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.c[name] += n

    def snapshot(self) -> Counter[str]:
        with self.lock:
            return Counter(self.c)


class Api:
    """HTTP/1.1 to gunicorn, one connection per request (sync workers close it anyway)."""

    def __init__(self, port: int, stats: Stats) -> None:
        self.port = port
        self.stats = stats

    def once(self, method: str, path: str, token: str | None, body: dict[str, Any] | None,
             key: str | None) -> tuple[int | None, str, dict[str, str]]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Idempotency-Key"] = key
        payload = None if body is None else json.dumps(body)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        self.stats.add("requests")
        try:
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            if resp.status >= 500:
                self.stats.add(f"http_{resp.status}")
                if resp.status != 503:
                    self.stats.sample(f"{time.strftime('%H:%M:%S')} {method} {path} -> "
                                      f"{resp.status} {text[:300]!r}")
            return resp.status, text, {k.lower(): v for k, v in resp.getheaders()}
        except TimeoutError:
            self.stats.add("timeouts")
        except (OSError, http.client.HTTPException):
            self.stats.add("connection_errors")
        finally:
            conn.close()
        return None, "", {}

    def call(self, method: str, path: str, token: str | None, body: dict[str, Any] | None,
             key: str | None, deadline: float) -> Answer:
        """Send, and resend the very same request (same key, same body) until the answer is
        definitive or `deadline` (time.monotonic()) passes."""
        answer = Answer(status=None)
        backoff = 0.05
        while True:
            status, text, headers = self.once(method, path, token, body, key)
            answer.attempts += 1
            if is_definitive(status):
                answer.status, answer.text, answer.headers = status, text, headers
                return answer
            answer.ambiguous = True
            if time.monotonic() + backoff > deadline:
                answer.status = None
                return answer
            self.stats.add("retries")
            time.sleep(backoff + random.random() * backoff)
            backoff = min(backoff * 2, 1.0)


class Workload:
    """N client threads; `stop_at` ends new operations, `give_up_at` ends retries."""

    def __init__(self, api: Api, manifest: Manifest, threads: int, seed: int) -> None:
        self.api = api
        self.m = manifest
        self.threads = threads
        self.seed = seed
        self.acks: list[Ack] = []
        #: keyed requests whose definitive answer was a refusal: they must have left nothing
        self.refusals: list[Ack] = []
        self.unresolved: list[str] = []
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self.stop_at = float("inf")
        self.give_up_at = float("inf")
        self._rich = [i for i in range(len(manifest.tokens)) if i not in set(manifest.poor)]

    # --- bookkeeping --------------------------------------------------------------------

    def _ack(self, kind: str, user: int, method: str, path: str, body: dict[str, Any],
             key: str | None, answer: Answer) -> None:
        assert answer.status is not None
        with self._lock:
            self.acks.append(Ack(kind, user, self.m.user_ids[user], method, path, body, key,
                                 answer.status, answer.text))
        self.api.stats.add("acknowledged")
        self.api.stats.add(f"ack_{kind}")

    def _refusal(self, kind: str, user: int, path: str, body: dict[str, Any], key: str,
                 answer: Answer) -> None:
        if answer.status is not None and answer.status >= 400:
            with self._lock:
                self.refusals.append(Ack(kind, user, self.m.user_ids[user], "POST", path, body,
                                         key, answer.status, answer.text))

    def _settle(self, what: str, answer: Answer, ok: tuple[int, ...]) -> bool:
        """Count the outcome; True when the answer is one of `ok`."""
        stats = self.api.stats
        if answer.status is None:
            stats.add("unresolved")
            with self._lock:
                self.unresolved.append(what)
            return False
        if answer.status in ok:
            stats.add("ok")
            return True
        if (answer.status, answer.code) in EXPECTED_REFUSALS:
            stats.add("refused")
            stats.add(f"refused_{answer.code}")
            return False
        stats.add("failed")
        with self._lock:
            self.failures.append(f"{what}: unexpected {answer.status} {answer.text[:200]}")
        return False

    # --- operations ---------------------------------------------------------------------

    def redeem(self, rng: random.Random) -> None:
        user = rng.choice(self.m.poor) if self.m.poor and rng.random() < 0.1 else rng.choice(self._rich)
        role = rng.choices(["hot", "voucher", "unlimited_a", "unlimited_b"], [3, 3, 2, 2])[0]
        path = f"/api/v1/rewards/{self.m.rewards[role]}/redemptions"
        body = {"shipping_address": SHIPPING_ADDRESS}
        key = uuid.uuid4().hex
        answer = self.api.call("POST", path, self.m.tokens[user], body, key, self.give_up_at)
        if self._settle(f"redeem {role} key {key}", answer, (201,)):
            self._ack("redeem", user, "POST", path, body, key, answer)
        else:
            self._refusal("redeem", user, path, body, key, answer)

    def checkin(self, rng: random.Random) -> None:
        user = rng.randrange(len(self.m.tokens))
        path = "/api/v1/checkins"
        answer = self.api.call("POST", path, self.m.tokens[user], {}, None, self.give_up_at)
        if answer.status == 409 and answer.code == "already_checked_in" and answer.ambiguous:
            self.api.stats.add("resolved_by_refusal")  # an earlier attempt checked in
        if self._settle(f"checkin user {user}", answer, (201,)):
            self._ack("checkin", user, "POST", path, {}, None, answer)

    def swap(self, rng: random.Random) -> None:
        """List -> admin approves -> order (keyed) -> ship -> confirm, or cancel."""
        seller, buyer = rng.sample(self._rich, 2)
        listing = {"title": f"Chaos item {uuid.uuid4().hex[:8]}", "description": "",
                   "category": "books", "condition": "good", "price": rng.randint(1, 30),
                   "city": "Shanghai", "handover": "meetup"}
        made = self.api.call("POST", "/api/v1/listings", self.m.tokens[seller], listing, None,
                             self.give_up_at)
        if not self._settle("create listing", made, (201,)):
            return
        listing_id = made.json()["id"]
        approve = f"/api/v1/admin/listings/{listing_id}/approve"
        done = self.api.call("POST", approve, self.m.admin_token, {}, None, self.give_up_at)
        if done.status != 200 and not (done.ambiguous and self._state(
                f"/api/v1/listings/{listing_id}", self.m.admin_token) == "active"):
            self._settle(f"approve listing {listing_id}", done, (200,))
            return
        self.api.stats.add("ok")
        path = f"/api/v1/listings/{listing_id}/orders"
        body = {"handover": "meetup"}
        key = uuid.uuid4().hex
        order = self.api.call("POST", path, self.m.tokens[buyer], body, key, self.give_up_at)
        if not self._settle(f"order listing {listing_id} key {key}", order, (201,)):
            self._refusal("order", buyer, path, body, key, order)
            return
        self._ack("order", buyer, "POST", path, body, key, order)
        order_id = order.json()["id"]
        if rng.random() < 0.2:
            steps = [("cancel", rng.choice([buyer, seller]), "cancelled")]
        else:
            steps = [("ship", seller, "shipped"), ("confirm", buyer, "completed")]
        for action, actor, target in steps:
            if not self._transition(order_id, action, actor, target):
                return

    def _transition(self, order_id: int, action: str, actor: int, target: str) -> bool:
        path = f"/api/v1/orders/{order_id}/{action}"
        answer = self.api.call("POST", path, self.m.tokens[actor], {}, None, self.give_up_at)
        if answer.status == 200:
            self.api.stats.add("ok")
            self._ack(action, actor, "POST", path, {}, None, answer)
            return True
        if answer.status == 409 and answer.ambiguous and self._state(
                f"/api/v1/orders/{order_id}", self.m.tokens[actor]) == target:
            self.api.stats.add("ok")
            self.api.stats.add("resolved_by_refusal")  # an earlier attempt did it
            return True
        self._settle(f"{action} order {order_id}", answer, (200,))
        return False

    def _state(self, path: str, token: str) -> str | None:
        answer = self.api.call("GET", path, token, None, None, self.give_up_at)
        body = answer.json() if answer.status == 200 else None
        return body.get("status") if isinstance(body, dict) else None

    # --- threads ------------------------------------------------------------------------

    def _loop(self, n: int) -> None:
        rng = random.Random(f"{self.seed}-{n}")
        ops = [self.redeem, self.swap, self.checkin]
        while time.monotonic() < self.stop_at:
            op = rng.choices(ops, [6, 2, 1])[0]
            try:
                op(rng)
            except Exception as exc:  # noqa: BLE001 - a client bug must show, not kill the run
                self.api.stats.add("failed")
                with self._lock:
                    self.failures.append(f"client error in {op.__name__}: {exc!r}")

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._loop, args=(n,), name=f"client-{n}", daemon=True)
                   for n in range(self.threads)]
        for t in threads:
            t.start()
        return threads
