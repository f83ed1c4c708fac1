"""Time one redemption with no HTTP and no load generator: where a request's CPU goes.

    flask --app wsgi mall seed-load --users 1000 --hot-stock 100000 --out /tmp/m.json
    python -m loadtests.inprocess --database-url URL --manifest /tmp/m.json -n 300
    python -m loadtests.inprocess ... --target reference       # the raw-SQL reference
    python -m loadtests.inprocess ... --target both            # both, interleaved: the ratio
    python -m loadtests.inprocess ... --profile                # cProfile, top 40

Why: on this 2-core machine Locust, gunicorn and PostgreSQL share the CPU, so bench.sh
figures move with everything else running. Calling the WSGI app in a loop, one thread,
isolates the cost of one redemption (framework plus round trips) and is what a change to
the hot path should be judged by first. The CPU figure (this process only, not the
database's) is the steadiest: it ignores how long the database took to answer. Redeems the unlimited reward, so it never sells
out; use a throw-away database (it writes real redemptions).

`--target both` runs tokenmart and the reference in one process, alternating chunks of
`--chunk` redemptions, and reports the ratio of their summed CPU: on a shared host the
speed drifts within seconds, and fine interleaving makes the drift weigh on both alike.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

BODY = json.dumps({"shipping_address": "1 Load Test Road, Shanghai"}).encode()


def _wsgi_app(target: str, database_url: str) -> Callable[..., Any]:
    if target == "reference":
        os.environ["REFERENCE_DATABASE_URL"] = database_url
        from loadtests import reference_app

        return reference_app.app
    from tokenmart import create_app

    return create_app({
        "DATABASE_URL": database_url, "AUTO_UPGRADE_DB": False, "SCHEDULER_IN_PROCESS": False,
        "TOKENMART_ENV": "production", "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "inprocess-bench-" + "x" * 40,
    })


def redeem_loop(app: Callable[..., Any], manifest: dict[str, Any], n: int,
                offset: int = 0) -> dict[str, int]:
    """Redeem n times through the WSGI callable; returns how many got each status line.

    Every status is counted, not just the last: a refusal is cheaper than a redemption,
    so a run with refusals in it would time the wrong thing.
    """
    reward_id = manifest["rewards"]["unlimited_a"]
    tokens = manifest["tokens"]
    statuses: dict[str, int] = {}

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses[line] = statuses.get(line, 0) + 1

    for i in range(n):
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/rewards/{reward_id}/redemptions",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(BODY), "wsgi.errors": sys.stderr,
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(BODY)),
            "HTTP_AUTHORIZATION": f"Bearer {tokens[(i + offset) % len(tokens)]}",
            "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex,
        }
        body = app(environ, start_response)
        try:
            b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()  # the WSGI contract: ends Flask's request teardown
    return statuses


def interleaved(manifest: dict[str, Any], database_url: str, n: int,
                chunk: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds per target for n redemptions each, in alternating chunks."""
    apps = {target: _wsgi_app(target, database_url) for target in ("tokenmart", "reference")}
    for app in apps.values():
        redeem_loop(app, manifest, 30)
    totals = dict.fromkeys(apps, (0.0, 0.0))
    offset = 30
    for i in range(max(1, n // chunk)):
        order = list(apps) if i % 2 == 0 else list(apps)[::-1]  # ABBA
        for target in order:
            started, cpu_started = time.perf_counter(), time.process_time()
            statuses = redeem_loop(apps[target], manifest, chunk, offset)
            wall, cpu = totals[target]
            totals[target] = (wall + time.perf_counter() - started,
                              cpu + time.process_time() - cpu_started)
            offset += chunk
            if any(not line.startswith("201") for line in statuses):
                raise SystemExit(f"{target}: not every redemption succeeded ({statuses})")
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("-n", type=int, default=300, help="timed redemptions")
    parser.add_argument("--target", choices=("tokenmart", "reference", "both"),
                        default="tokenmart")
    parser.add_argument("--chunk", type=int, default=50,
                        help="redemptions per turn with --target both")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the loop")
    args = parser.parse_args(argv)
    with open(args.manifest) as fh:
        manifest = json.load(fh)
    if args.target == "both":
        totals = interleaved(manifest, args.database_url, args.n, args.chunk)
        done = max(1, args.n // args.chunk) * args.chunk
        for target, (wall, cpu) in totals.items():
            print(f"{target}: {done} redemptions, {wall / done * 1000:.2f} ms each "
                  f"({cpu / done * 1000:.2f} ms of it this process's CPU)")
        print(f"CPU per redemption tokenmart / reference = "
              f"{totals['tokenmart'][1] / totals['reference'][1]:.2f} "
              f"(interleaved in chunks of {args.chunk})")
        return 0
    app = _wsgi_app(args.target, args.database_url)
    print(f"warming up ({args.target})...", flush=True)
    redeem_loop(app, manifest, 30)
    started, cpu_started = time.perf_counter(), time.process_time()
    statuses = redeem_loop(app, manifest, args.n, offset=30)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    refused = {line: count for line, count in statuses.items() if not line.startswith("201")}
    if refused:
        print(f"not every redemption succeeded ({refused}): the timing is not of redemptions; "
              "seed a fresh database (flask mall seed-load) and pass its manifest",
              file=sys.stderr)
        return 1
    print(f"{args.target}: {args.n} redemptions, {elapsed / args.n * 1000:.2f} ms each "
          f"({cpu / args.n * 1000:.2f} ms of it this process's CPU), "
          f"{args.n / elapsed:.0f}/s on one thread")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(redeem_loop, app, manifest, args.n, args.n + 30)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
