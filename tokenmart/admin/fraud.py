"""Fraud signals for admins: each finding names users, so an admin can look and ban.

- many accounts registered from one IP on one local day;
- assists given by accounts younger than 24 hours (from the campaigns domain);
- rings: groups of users who mostly assist / share-visit each other — strongly
  connected components of the "helped" graph whose members direct most of their
  interactions inside the group;
- earnings far above the norm (trailing 7 days, > mean + 3 standard deviations).
Domains add interaction edges and extra signals through the registries below.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tokenmart.accounts.models import User
from tokenmart.core.clock import app_timezone, utcnow
from tokenmart.extensions import db
from tokenmart.ledger.models import Account, Entry

#: () -> iterable of (from_user_id, to_user_id) interactions, e.g. assister -> drive owner
EdgeProvider = Callable[[], Iterable[tuple[int, int]]]
EDGE_PROVIDERS: list[EdgeProvider] = []
#: () -> list[Finding], e.g. assists by accounts younger than 24 h
SIGNAL_PROVIDERS: dict[str, Callable[[], list[Finding]]] = {}


@dataclass
class Finding:
    kind: str
    summary: str
    user_ids: list[int]
    details: dict[str, Any] = field(default_factory=dict)


def accounts_per_ip(threshold: int = 3, days: int = 30) -> list[Finding]:
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        sa.select(User.id, User.registration_ip, User.created_at)
        .where(User.registration_ip.is_not(None), User.created_at >= since)
    ).all()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    tz = app_timezone()
    for user_id, ip, created in rows:
        groups[(ip, created.astimezone(tz).date().isoformat())].append(user_id)
    return [
        Finding("accounts_per_ip", f"{len(ids)} accounts from {ip} on {day}", sorted(ids),
                {"ip": ip, "day": day, "count": len(ids)})
        for (ip, day), ids in sorted(groups.items()) if len(ids) >= threshold
    ]


def strongly_connected(edges: Iterable[tuple[int, int]]) -> list[set[int]]:
    """Tarjan's algorithm, iterative (no recursion limit on long chains)."""
    graph: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        if a != b:
            graph[a].add(b)
            graph.setdefault(b, set())
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[set[int]] = []
    counter = 0
    for root in list(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                result.append(component)
    return result


def find_rings(edges: list[tuple[int, int]], *, min_size: int = 3, max_size: int = 12,
               inside_share: float = 0.8, min_density: float = 0.25) -> list[set[int]]:
    """Small, dense groups that interact mostly with each other.

    A ring is a strongly connected component of 3-12 users where every member sends at
    least 80% of its interactions to other members, and the members are densely tied
    (distinct inside pairs / possible pairs >= 0.25). A large community where each
    person helps a few friends is connected too, but neither small nor dense.
    """
    outgoing: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        if a != b:
            outgoing[a].append(b)
    rings = []
    for component in strongly_connected(edges):
        size = len(component)
        if not min_size <= size <= max_size:
            continue
        mostly_inside = all(
            sum(1 for t in outgoing[m] if t in component) >= inside_share * len(outgoing[m])
            for m in component
        )
        pairs = {(m, t) for m in component for t in outgoing[m] if t in component}
        if mostly_inside and len(pairs) >= min_density * size * (size - 1):
            rings.append(component)
    return rings


def rings() -> list[Finding]:
    edges = [edge for provider in EDGE_PROVIDERS for edge in provider()]
    return [
        Finding("ring", f"{len(ring)} users who mostly help each other", sorted(ring),
                {"size": len(ring)})
        for ring in sorted(find_rings(edges), key=lambda r: (-len(r), min(r)))
    ]


def earning_outliers(days: int = 7, sigmas: float = 3.0, minimum: int = 500) -> list[Finding]:
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        sa.select(Account.user_id, sa.func.sum(Entry.amount))
        .join(Account, Account.id == Entry.account_id)
        .where(Account.user_id.is_not(None), Entry.currency == "coin", Entry.amount > 0,
               Entry.created_at >= since)
        .group_by(Account.user_id)
    ).all()
    if len(rows) < 5:
        return []
    amounts = [int(total) for _, total in rows]
    mean, spread = statistics.fmean(amounts), statistics.pstdev(amounts)
    limit = max(mean + sigmas * spread, minimum)
    return [
        Finding("earning_outlier", f"earned {int(total):,} coins in {days} days (norm {mean:,.0f})",
                [user_id], {"earned": int(total), "mean": round(mean), "limit": round(limit),
                          "days": days})
        for user_id, total in sorted(rows, key=lambda r: -int(r[1])) if int(total) > limit
    ]


def all_signals() -> dict[str, list[Finding]]:
    signals = {
        "accounts_per_ip": accounts_per_ip(),
        "rings": rings(),
        "earning_outliers": earning_outliers(),
    }
    for name, provider in SIGNAL_PROVIDERS.items():
        signals[name] = provider()
    return signals
