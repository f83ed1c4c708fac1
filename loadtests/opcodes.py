"""Count the Python bytecodes one redemption executes, and where: a size that the host's speed cannot move.

    python -m loadtests.opcodes --database-url URL --manifest M            # total, top functions
    python -m loadtests.opcodes ... --target reference                     # the raw-SQL reference
    python -m loadtests.opcodes ... --tree Session.commit --tree caller_for_token

Why: on this shared 2-core host CPU timings drift by up to 2x within minutes, and even the
interleaved in-process ratio (`loadtests.inprocess --target both`) read 1.8 and 2.4 within
the same hour. A change to the hot path moves the opcode count exactly, so judge it by
this first, and by CPU timings second. Opcodes are not all of the cost (psycopg's C code,
system calls and PostgreSQL are not in them), but framework and service overhead is.

Each opcode counts once for its own function ("self") and once for every distinct function
on the stack ("inclusive"); `--tree NAME` prints the inclusive counts below the first
function whose name contains NAME, children with at least 40 opcodes per redemption.
Uses a throw-away database (it writes real redemptions), as `loadtests.inprocess` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from types import CodeType, FrameType
from typing import Any

from loadtests.inprocess import _wsgi_app, redeem_loop


def _name(code: CodeType) -> str:
    path = code.co_filename.split("site-packages/")[-1]
    return f"{path}:{code.co_firstlineno} {code.co_qualname}"


class OpcodeCounter:
    """sys.settrace with opcode events: self, inclusive and caller->callee counts."""

    def __init__(self) -> None:
        self.total = 0
        self.own: Counter[CodeType] = Counter()
        self.inclusive: Counter[CodeType] = Counter()
        self.edges: Counter[tuple[CodeType, CodeType]] = Counter()

    def _trace(self, frame: FrameType, event: str, _arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            self.total += 1
            self.own[frame.f_code] += 1
            seen: set[CodeType] = set()
            child: CodeType | None = None
            current: FrameType | None = frame
            while current is not None:
                code = current.f_code
                if code not in seen:
                    seen.add(code)
                    self.inclusive[code] += 1
                    if child is not None:
                        self.edges[(code, child)] += 1
                child = code
                current = current.f_back
        return self._trace

    def run(self, fn: Any, *args: Any) -> None:
        sys.settrace(self._trace)
        try:
            fn(*args)
        finally:
            sys.settrace(None)

    def tree(self, pattern: str, n: int, depth: int = 3) -> list[str]:
        start = next((c for c in self.inclusive if pattern in _name(c)), None)
        lines: list[str] = []

        def walk(code: CodeType, level: int) -> None:
            lines.append("  " * level + f"{self.inclusive[code] / n:7.0f} {_name(code)}")
            if level >= depth:
                return
            children = sorted(((v, c) for (p, c), v in self.edges.items() if p is code),
                              key=lambda pair: -pair[0])
            for value, child in children:
                if value / n >= 40:
                    walk(child, level + 1)

        if start is not None:
            walk(start, 0)
        return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--target", choices=("tokenmart", "reference"), default="tokenmart")
    parser.add_argument("-n", type=int, default=20, help="counted redemptions")
    parser.add_argument("--top", type=int, default=40, help="functions listed")
    parser.add_argument("--tree", action="append", default=[], help="a function name to expand")
    args = parser.parse_args(argv)
    with open(args.manifest) as fh:
        manifest = json.load(fh)
    app = _wsgi_app(args.target, args.database_url)
    print("warming up...", flush=True)
    redeem_loop(app, manifest, 50)  # first-use work (mapper configuration, caches) is not counted
    counter = OpcodeCounter()
    counter.run(redeem_loop, app, manifest, args.n, 50)
    print(f"{args.target}: {counter.total / args.n:,.0f} opcodes per redemption "
          f"(over {args.n})")
    print("inclusive:")
    for code, value in counter.inclusive.most_common(args.top):
        print(f"{value / args.n:9.0f} {_name(code)}")
    print("self:")
    for code, value in counter.own.most_common(args.top // 2):
        print(f"{value / args.n:9.0f} {_name(code)}")
    for pattern in args.tree:
        print(f"tree {pattern}:")
        print("\n".join(counter.tree(pattern, args.n)) or "  (no such function)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
