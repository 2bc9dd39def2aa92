"""Language-detection benchmark: seabot's detector against the candidates we evaluated.

    .venv/bin/python -m bench.language [--data-dir ../shared/langid] [--only seabot,langdetect]
                                       [--splits dev]

Each detector runs in its own subprocess so its peak RSS (``ru_maxrss``) is its own. For each
it reports accuracy overall, per language and per length bucket on dev.jsonl and test.jsonl,
and the per-message time (p50/p95, µs, single thread). Candidates that are not installed
(py3langid, lingua-language-detector) are skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

LANGS = ("th", "id", "ms", "vi", "zh", "en", "tl")
BUCKETS = ("1-2", "3-6", "7+")
SPLITS = ("dev", "test")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "langid"
CANDIDATES = ("seabot", "langdetect", "py3langid", "lingua")

Detect = Callable[[str], str]


def _seabot() -> Detect:
    from seabot.core.language import LanguageDetector

    detector = LanguageDetector()
    return lambda text: detector.detect(text).lang


def _langdetect() -> Detect:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0

    def run(text: str) -> str:
        try:
            code = detect(text)
        except LangDetectException:
            return "und"
        return "zh" if code.startswith("zh") else code

    return run


def _py3langid() -> Detect:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(LANGS))
    return lambda text: identifier.classify(text)[0]


def _lingua() -> Detect:
    from lingua import Language, LanguageDetectorBuilder

    codes = {
        Language.THAI: "th",
        Language.INDONESIAN: "id",
        Language.MALAY: "ms",
        Language.VIETNAMESE: "vi",
        Language.CHINESE: "zh",
        Language.ENGLISH: "en",
        Language.TAGALOG: "tl",
    }
    detector = LanguageDetectorBuilder.from_languages(*codes).build()
    return lambda text: codes.get(detector.detect_language_of(text), "und")  # type: ignore[arg-type]  # None: "und"


FACTORIES: dict[str, Callable[[], Detect]] = {
    "seabot": _seabot,
    "langdetect": _langdetect,
    "py3langid": _py3langid,
    "lingua": _lingua,
}


def _load(data_dir: Path, split: str) -> list[dict[str, str]]:
    with (data_dir / f"{split}.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _score(detect: Detect, rows: list[dict[str, str]]) -> tuple[dict[str, float], list[int]]:
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    times: list[int] = []
    for row in rows:
        start = time.perf_counter_ns()
        guess = detect(row["text"])
        times.append(time.perf_counter_ns() - start)
        for key in ("all", row["lang"], row["bucket"]):
            seen[key] += 1
            hits[key] += guess == row["lang"]
    return {k: round(100 * hits[k] / seen[k], 1) for k in seen}, times


def run_worker(name: str, data_dir: Path, splits: tuple[str, ...] = SPLITS) -> dict[str, object]:
    """Measure one detector in this process (called in a fresh subprocess)."""
    start = time.perf_counter()
    detect = FACTORIES[name]()
    load_s = time.perf_counter() - start
    detect("warm up")
    result: dict[str, object] = {"name": name, "load_s": round(load_s, 2)}
    all_times: list[int] = []
    for split in splits:
        accuracy, times = _score(detect, _load(data_dir, split))
        result[split] = accuracy
        all_times += times
    all_times.sort()
    result["us_p50"] = round(statistics.median(all_times) / 1000, 1)
    result["us_p95"] = round(all_times[int(0.95 * (len(all_times) - 1))] / 1000, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _spawn(name: str, data_dir: Path, splits: tuple[str, ...] = SPLITS) -> dict[str, object]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.language",
            "--worker",
            name,
            "--data-dir",
            str(data_dir),
            "--splits",
            ",".join(splits),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"name": name, "skipped": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _table(results: list[dict[str, object]], splits: tuple[str, ...] = SPLITS) -> str:
    cols = ["all", "1-2", "3-6", "7+", *LANGS]
    lines = []
    for split in splits:
        lines.append(f"\n{split}.jsonl accuracy %")
        lines.append(f"{'detector':<11}" + "".join(f"{c:>7}" for c in cols))
        for r in results:
            if "skipped" in r:
                continue
            acc = r[split]
            assert isinstance(acc, dict)
            lines.append(f"{r['name']:<11}" + "".join(f"{acc.get(c, 0.0):>7.1f}" for c in cols))
    lines.append(f"\n{'detector':<11}{'µs p50':>9}{'µs p95':>9}{'RSS MB':>9}{'load s':>9}")
    for r in results:
        if "skipped" in r:
            lines.append(f"{r['name']:<11} skipped: {r['skipped']}")
        else:
            lines.append(f"{r['name']:<11}{r['us_p50']:>9}{r['us_p95']:>9}{r['peak_rss_mb']:>9}{r['load_s']:>9}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="language-detection benchmark")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--only", default=",".join(CANDIDATES), help="comma-separated detectors: " + ",".join(CANDIDATES)
    )
    parser.add_argument(
        "--splits",
        default=",".join(SPLITS),
        help="comma-separated splits to score (default: dev,test); use --splits dev "
        "while tuning so the report-only test split stays unseen",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    splits = tuple(s for s in args.splits.split(",") if s)
    unknown = [s for s in splits if s not in SPLITS]
    if unknown or not splits:
        parser.error(f"--splits must be drawn from {','.join(SPLITS)}")
    if args.worker:
        result = run_worker(args.worker, args.data_dir, splits)
        print(json.dumps(result))
        return result
    results = [_spawn(name, args.data_dir, splits) for name in args.only.split(",") if name]
    print(_table(results, splits))
    return {"language": results}


if __name__ == "__main__":
    main()
