"""Routing benchmark on the shared routing dev set (and our own hand-written cases).

    .venv/bin/python -m bench.routing [--data ../shared/routing/dev.jsonl]

Reports tier accuracy (handoff rows excluded), premium recall, handoff recall and precision,
and µs per message (p50/p95).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from seabot.core.routing import Router, RoutingRules

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "routing" / "dev.jsonl"


def evaluate(router: Router, rows: list[dict]) -> dict[str, float]:
    times: list[int] = []
    tier_hits = tiered = premium = premium_hits = wanted = wanted_hits = flagged = 0
    for row in rows:
        start = time.perf_counter_ns()
        decision = router.route(row["text"], lang=row.get("lang"))
        times.append(time.perf_counter_ns() - start)
        flagged += decision.handoff
        if row["handoff"]:
            wanted += 1
            wanted_hits += decision.handoff
            continue
        tiered += 1
        tier_hits += decision.tier == row["tier"]
        if row["tier"] == "premium":
            premium += 1
            premium_hits += decision.tier == "premium"
    times.sort()
    return {
        "rows": len(rows),
        "tier_accuracy": round(100 * tier_hits / max(tiered, 1), 1),
        "premium_recall": round(100 * premium_hits / max(premium, 1), 1),
        "handoff_recall": round(100 * wanted_hits / max(wanted, 1), 1),
        "handoff_precision": round(100 * wanted_hits / max(flagged, 1), 1),
        "us_p50": round(statistics.median(times) / 1000, 1),
        "us_p95": round(times[int(0.95 * (len(times) - 1))] / 1000, 1),
    }


def _own_cases() -> list[dict]:
    try:
        from tests.core.test_routing_cases import CASES, NOT_HANDOFF
    except ImportError:
        return []
    rows = [
        {"lang": lang, "text": text, "tier": tier or "handoff", "handoff": handoff}
        for lang, text, tier, handoff in CASES
    ]
    rows += [{"lang": None, "text": text, "tier": "fast", "handoff": False} for text in NOT_HANDOFF]
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="routing benchmark")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    router = Router(RoutingRules.default())
    results: dict[str, dict[str, float]] = {}
    if args.data.exists():
        rows = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line.strip()]
        results["shared dev"] = evaluate(router, rows)
    own = _own_cases()
    if own:
        results["own cases"] = evaluate(router, own)
    keys = ["rows", "tier_accuracy", "premium_recall", "handoff_recall", "handoff_precision", "us_p50", "us_p95"]
    print(f"{'set':<12}" + "".join(f"{k:>18}" for k in keys))
    for name, res in results.items():
        print(f"{name:<12}" + "".join(f"{res[k]:>18}" for k in keys))
    return {"routing": results}


if __name__ == "__main__":
    main()
