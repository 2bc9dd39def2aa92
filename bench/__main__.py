"""Run every benchmark in one process run so their ratios are comparable.

.venv/bin/python -m bench [--json] [--only language,routing,...]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import platform
import sys
import time

BENCHMARKS = ("language", "routing", "growth", "storage", "outbound", "e2e", "burst", "orders", "faults")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    args = parser.parse_args(argv)
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    results: dict[str, object] = {"machine": machine}
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        module = importlib.import_module(f"bench.{name}")
        if not args.json:
            print(f"\n=== {name} ===")
            results[name] = module.main([])
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                results[name] = module.main([])
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
    else:
        print(f"\nmachine: {machine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
