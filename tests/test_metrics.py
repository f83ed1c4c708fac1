"""/metrics: each event counted once where it happens, bounded labels, never public in
production, and summed over gunicorn workers in multiprocess mode."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from tests.conftest import new_key
from tokenmart.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_url_rule_and_status_never_by_raw_path(client: Any) -> None:
    before = value("tokenmart_http_requests_total", method="GET",
                   route="/api/v1/drives/<string:code>", status="404")
    latency_before = value("tokenmart_http_request_duration_seconds_count", method="GET",
                           route="/api/v1/drives/<string:code>")
    for code in ("nope-1", "nope-2"):
        assert client.get(f"/api/v1/drives/{code}").status_code == 404
    client.get("/no/such/page-xyz")
    client.open("/healthz", method="BREW")  # a made-up method is counted as OTHER

    assert value("tokenmart_http_requests_total", method="GET",
                 route="/api/v1/drives/<string:code>", status="404") == before + 2
    assert value("tokenmart_http_request_duration_seconds_count", method="GET",
                 route="/api/v1/drives/<string:code>") == latency_before + 2
    text = client.get("/metrics").get_data(as_text=True)
    assert 'route="/api/v1/drives/<string:code>"' in text
    assert 'route="<unmatched>"' in text
    assert "nope-1" not in text and "page-xyz" not in text  # no cardinality explosion
    assert 'method="BREW"' not in text and 'method="OTHER"' in text


def test_redemptions_refusals_and_postings_are_counted(make_user: Any, api: Any) -> None:
    from tokenmart.mall import admin_service

    alice = make_user("alice", flower=25)
    reward = admin_service.create_reward(None, {"name": "Mug", "currency": "flower", "price": 20,
                                                "stock": 5, "grant": {"type": "physical"}})
    db.session.commit()
    url = f"/api/v1/rewards/{reward.id}/redemptions"
    body = {"shipping_address": "1 Nanjing Rd"}
    redeemed = value("tokenmart_redemptions_total", outcome="redeemed")
    poor = value("tokenmart_redemptions_total", outcome="insufficient_balance")
    refused = value("tokenmart_refusals_total", code="insufficient_balance")
    postings = value("tokenmart_ledger_postings_total", kind="redemption")

    key = new_key()
    assert api(alice).post(url, body, key=key).status_code == 201
    assert api(alice).post(url, body, key=key).status_code == 201  # replay: nothing new
    assert api(alice).post(url, body, key=new_key()).status_code == 409  # 5 flowers left

    assert value("tokenmart_redemptions_total", outcome="redeemed") == redeemed + 1
    assert value("tokenmart_redemptions_total", outcome="insufficient_balance") == poor + 1
    assert value("tokenmart_refusals_total", code="insufficient_balance") == refused + 1
    assert value("tokenmart_ledger_postings_total", kind="redemption") == postings + 1


def test_a_replayed_ledger_key_is_not_counted_again(app: Any, make_user: Any) -> None:
    from tokenmart.ledger import service as ledger

    bob = make_user("bob")
    before = value("tokenmart_ledger_postings_total", kind="adjustment")
    for _ in range(2):
        ledger.transfer("adjustment", "coin", 3, ledger.MINT, ledger.user(bob.id),
                        idempotency_key="metrics-test-once", notify=False)
    db.session.commit()
    assert value("tokenmart_ledger_postings_total", kind="adjustment") == before + 1


def test_pool_gauges_follow_checkouts(app: Any, client: Any) -> None:
    from sqlalchemy import text

    db.session.remove()
    assert client.get("/healthz").status_code == 200
    db.session.remove()
    idle = value("tokenmart_db_pool_checked_out")
    db.session.execute(text("SELECT 1"))  # the session now holds a connection
    assert value("tokenmart_db_pool_checked_out") == idle + 1
    db.session.rollback()
    db.session.remove()
    assert value("tokenmart_db_pool_checked_out") == idle
    assert value("tokenmart_db_pool_capacity") >= 1


def test_job_runs_and_failures_are_counted(app: Any) -> None:
    from jobs.registry import Job
    from jobs.runner import in_app_context

    def fine() -> str:
        return "ok"

    def broken() -> None:
        raise RuntimeError("boom")

    ok = value("tokenmart_job_runs_total", job="metrics.fine", outcome="ok")
    failed = value("tokenmart_job_runs_total", job="metrics.broken", outcome="failed")
    skipped = value("tokenmart_job_runs_total", job="metrics.fine", outcome="skipped")
    in_app_context(app, Job("metrics.fine", fine, "interval"))()
    with pytest.raises(RuntimeError):
        in_app_context(app, Job("metrics.broken", broken, "interval"))()
    in_app_context(app, Job("metrics.fine", fine, "interval"), guard=lambda: False)()

    assert value("tokenmart_job_runs_total", job="metrics.fine", outcome="ok") == ok + 1
    assert value("tokenmart_job_runs_total", job="metrics.broken", outcome="failed") == failed + 1
    assert value("tokenmart_job_runs_total", job="metrics.fine", outcome="skipped") == skipped + 1
    assert value("tokenmart_job_last_success_timestamp_seconds", job="metrics.fine") > 0


def test_the_scheduler_serves_its_own_metrics(app: Any) -> None:
    from tokenmart.core.metrics import serve_metrics, set_scheduler_active

    set_scheduler_active(True)
    port = _free_port()
    server = serve_metrics("127.0.0.1", port)
    try:
        status, text = _get(f"http://127.0.0.1:{port}/metrics")
    finally:
        server.shutdown()
        server.server_close()
        set_scheduler_active(False)
    assert status == 200
    assert "tokenmart_scheduler_active 1.0" in text
    assert "tokenmart_job_runs_total" in text


def test_metrics_are_hidden_in_production_without_a_token(app: Any, client: Any) -> None:
    app.config.update(TOKENMART_ENV="production", METRICS_TOKEN=None)
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token_when_one_is_set(app: Any, client: Any) -> None:
    app.config.update(TOKENMART_ENV="production", METRICS_TOKEN="s3cret-metrics-token")
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200
    assert ok.mimetype == "text/plain"
    assert "tokenmart_http_requests_total" in ok.get_data(as_text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - our own loopback server
        return resp.status, resp.read().decode()


def test_gunicorn_workers_are_summed_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two gunicorn workers (gunicorn.conf.py): /metrics counts the requests of both."""
    env = {**os.environ, "TOKENMART_ENV": "development", "TOKENMART_AUTO_UPGRADE": "0",
           "TOKENMART_SCHEDULER_IN_PROCESS": "0", "TOKENMART_RATELIMIT_ENABLED": "0",
           "TOKENMART_DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.db'}",
           "TOKENMART_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")}
    env.pop("TOKENMART_METRICS_TOKEN", None)
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "counter_999999.db").write_bytes(b"stale")  # cleaned at start
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT,
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        for _ in range(40):
            _get(base + "/readyz")
        pids = {int(p) for p in subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()}
        assert len(pids) == 2
        status, text = _get(base + "/metrics")
        assert status == 200
        line = next(x for x in text.splitlines() if x.startswith(
            'tokenmart_http_requests_total{method="GET",route="/readyz",status="200"}'))
        assert float(line.rsplit(" ", 1)[1]) == 40.0
        writers = {int(p.name.split("_")[-1].removesuffix(".db"))
                   for p in (tmp_path / "prom").iterdir() if p.name.startswith("counter_")}
        assert writers and writers <= pids  # the stale file of an earlier run is gone
        assert "tokenmart_db_pool_capacity" in text
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stderr is not None
        server.stderr.close()
