"""The bank test with a nemesis: `python -m loadtests.chaos --seconds 60` (`make chaos`).

A private PostgreSQL cluster (initdb in a temporary directory, its own port), gunicorn
with the production settings, client threads redeeming, swapping and checking in with
retried Idempotency-Keys, and a nemesis that kill -9s workers and the master, crash-
restarts PostgreSQL and freezes it. At the end, with everything healthy again, an audit
of RELIABILITY.md's promises against every acknowledged write. Modules:

- cluster.py: the private PostgreSQL (never the shared server on 5432)
- server.py: gunicorn, its workers and its restarts
- seed.py: migrate and seed the cluster's database
- clients.py: the workload and the history of acknowledged writes
- nemesis.py: the seeded fault schedule and the faults
- audit.py: the checks, pure over a connection and a history, plus the HTTP replay
"""
