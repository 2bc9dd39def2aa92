"""Build the Indonesian/Malay word table from real informal text (build time only).

    .venv/bin/python tools/build_language_idms.py [--train-dir ../shared/langid/train] [--holdout]

Reads the ``ms.*.txt`` and ``id.*.txt`` files of ``../shared/langid/train`` (sources, licences
and caveats in that folder's README) and the word table already shipped with the detector
(``data/latin_model.json.gz``, from wordfreq), and writes ``data/idms_words.json.gz``: for each
word, how many nats likelier it is in Indonesian than in Malay (negative: Malay). No text and
no word sequence is shipped, only one number per word.

How the numbers are made:

- Each line is cleaned and tokenised as the detector does at run time; a word counts once per
  line (document frequency), so one long post that repeats a word does not make it a marker.
- Lines that carry the other language's strong markers (``idms_markers.toml``, weight >= 1.5,
  two or more hits) are left out: the Malaysian political file holds some Indonesian tweets,
  the Indonesian review set a few Malaysian-looking ones.
- Textbook lines identical in both TALPCo files are left out (they say nothing about either).
- Words that are topic, not language, are left out: the political file's *kerajaan* and
  *pembangkang*, and names (words written with a capital letter in most of their non-initial
  occurrences: politicians, places, brands).
- Within a register each source gets a fixed share of its side's mass (``REGISTERS``), and
  frequencies are shares of the words counted, so long reviews do not outweigh short tweets.
- The lean is measured within each register (informal posts and chats, news, textbook
  translations: comparable sources on both sides) and averaged, weighted by how often each
  register has seen the word, so a word common in only one side's topic counts less.
- Words seen mostly outside the informal register are left out (wordfreq decides them).
- The corpus estimate is smoothed with wordfreq's (a mixture, ``CORPUS_WEIGHT`` for the
  corpus where it has seen the word often enough), and the result is clipped to ``CLIP`` nats.

``--holdout`` builds from 90% of the lines and writes the other 10% (every tenth line) of the
informal files to ``/tmp/idms_holdout.jsonl`` for checking; the shipped table uses all lines.
The output is deterministic. The table is derived from CC BY-SA 4.0 sources (IndoNLU as
SEACrowd lists it, NusaX, and wordfreq) and is released under CC BY-SA 4.0; see
``seabot/core/language/data/README.md``. (The IndoCollex word list is not used: many of its
entries are equally Malaysian, and a list of forms has no frequencies.)
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seabot.core.language._latin import LatinModel  # noqa: E402
from seabot.core.language._text import clean  # noqa: E402

DATA = ROOT / "seabot/core/language/data"
OUT = DATA / "idms_words.json.gz"
TRAIN = ROOT.parent / "shared" / "langid" / "train"
HOLDOUT_OUT = Path("/tmp/idms_holdout.jsonl")

#: Registers: each is a pair of comparable sources, (ms files, id files) with their shares.
#: The lean of a word is measured within each register and then averaged, so a word that is
#: common in only one side's topic (politics vs restaurant reviews) does not become a marker.
REGISTERS = {
    "informal": (
        {"malay-dataset-political": 0.85, "malay-dataset-normalization-twitter": 0.15},
        {"indonlu-train": 0.48, "stif": 0.48, "nusax": 0.04},
    ),
    "news": ({"dslcc": 1.0}, {"dslcc": 1.0}),
    "textbook": ({"talpco": 1.0}, {"talpco": 1.0}),
}
#: How much each register's lean counts in the average.
IMPORTANCE = {"informal": 1.0, "news": 0.6, "textbook": 0.6}
#: Informal files whose every tenth line is held out with ``--holdout``.
INFORMAL = {"malay-dataset-political", "malay-dataset-normalization-twitter", "indonlu-train", "stif"}
TOPIC_WORDS = {"ms": {"kerajaan", "pembangkang"}, "id": set()}
#: A word written with a capital in more than this share of its non-initial uses is a name.
NAME_SHARE = 0.6
#: Lines with this many strong markers of the other language are left out.
FOREIGN_HITS = 2
STRONG_MARKER = 1.5
#: Pseudo-count of occurrences added to each side of a register (scaled to the side's size).
SMOOTH = 0.5
#: Documents (both sides) at which a register's lean counts half.
HALF_EVIDENCE = 10.0
#: Weight of the corpus estimate in the mixture with wordfreq, reached at FULL_TRUST documents.
CORPUS_WEIGHT = 0.7
FULL_TRUST = 30
MIN_DOCS = 3
#: Word pairs: documents needed, documents at which the pair's evidence counts half, the least
#: change worth shipping and the most one pair can move, in nats.
PAIR_MIN_DOCS = 10
PAIR_HALF_EVIDENCE = 20.0
PAIR_MIN_EXTRA = 0.5
PAIR_CLIP = 3.0
#: Pairs are kept only of words both sides use (each in this many documents on each side).
PAIR_SHARED_DOCS = 20
#: Words seen mostly in news and textbook lines are left to wordfreq: the Malaysian informal
#: file (politicians' and agencies' posts) is more formal than the Indonesian reviews and chats,
#: so in it formal words (*telah*, *ia*, *mereka*) lean to Malay by register, not language.
INFORMAL_SHARE = 0.6
CLIP = 4.0
_WORDFREQ_FLOOR = -17.5


def _markers() -> dict[str, set[str]]:
    table = tomllib.loads((DATA / "idms_markers.toml").read_text("utf-8"))
    strong = {lang: {w for w, x in table[lang].items() if float(x) >= STRONG_MARKER} for lang in ("id", "ms")}
    return {"id": strong["id"] - strong["ms"], "ms": strong["ms"] - strong["id"]}


def _names(lines: list[str]) -> set[str]:
    """Words mostly written with a capital where a sentence does not start."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for line in lines:
        words = line.split()
        for k, word in enumerate(words):
            token = word.strip("\"'()[],.!?:;")
            if not token.isalpha() or k == 0 or words[k - 1][-1:] in ".!?":
                continue
            (upper if token[0].isupper() else lower)[token.lower()] += 1
    return {w for w, n in upper.items() if n > NAME_SHARE * (n + lower[w])}


class _Side:
    """Share-weighted document frequencies of one language in one register."""

    def __init__(self) -> None:
        self.freq: Counter[str] = Counter()  # sum over files of share * df / n_docs
        self.docs: Counter[str] = Counter()  # raw document counts
        self.n_docs = 0
        self.mass = 0  # word occurrences counted (once per line)
        self.pair_freq: Counter[str] = Counter()  # the same for adjacent word pairs ("a b")
        self.pair_docs: Counter[str] = Counter()
        self.pair_mass = 0


def count(train: Path, holdout: bool) -> tuple[dict[str, dict[str, _Side]], list[dict[str, str]]]:
    """Per register and language, document frequencies; and the held-out lines."""
    markers = _markers()
    lines = {
        (lang, src): (train / f"{lang}.{src}.txt").read_text("utf-8").splitlines()
        for ms_files, id_files in REGISTERS.values()
        for lang, files in (("ms", ms_files), ("id", id_files))
        for src in files
    }
    same = set(lines["ms", "talpco"]) & set(lines["id", "talpco"])
    names = {lang: _names([x for (lg, _), ls in lines.items() if lg == lang for x in ls]) for lang in ("ms", "id")}
    held: list[dict[str, str]] = []
    out: dict[str, dict[str, _Side]] = {}
    for register, (ms_files, id_files) in REGISTERS.items():
        out[register] = {}
        for lang, files in (("ms", ms_files), ("id", id_files)):
            side = _Side()
            other = markers["id" if lang == "ms" else "ms"]
            drop = TOPIC_WORDS[lang] | names[lang]
            for source, share in files.items():
                docs: Counter[str] = Counter()
                pairs: Counter[str] = Counter()
                n_docs = 0
                for k, line in enumerate(lines[lang, source]):
                    if source == "talpco" and line in same:
                        continue
                    if holdout and source in INFORMAL and k % 10 == 0:
                        held.append({"text": line, "lang": lang, "source": source})
                        continue
                    tokens = LatinModel.tokens(clean(line))
                    words = set(tokens)
                    if sum(w in other for w in words) >= FOREIGN_HITS:
                        continue
                    docs.update(words - drop)
                    if register == "informal":
                        pairs.update(
                            {f"{a} {b}" for a, b in itertools.pairwise(tokens) if a not in drop and b not in drop}
                        )
                    n_docs += 1
                mass = sum(docs.values())
                for word, n in docs.items():
                    side.freq[word] += share * n / mass
                pair_mass = sum(pairs.values())
                for pair, n in pairs.items():
                    side.pair_freq[pair] += share * n / pair_mass
                side.docs.update(docs)
                side.n_docs += n_docs
                side.mass += mass
                side.pair_docs.update(pairs)
                side.pair_mass += pair_mass
            out[register][lang] = side
    return out, held


def build(train: Path, holdout: bool) -> tuple[dict[str, object], list[dict[str, str]]]:
    registers, held = count(train, holdout)
    raw = json.loads(gzip.decompress((DATA / "latin_model.json.gz").read_bytes()))
    langs = raw["langs"]
    i_id, i_ms = langs.index("id"), langs.index("ms")
    wordfreq = {w: (row[i_id], row[i_ms]) for w, row in raw["words"].items()}
    vocabulary = sorted({w for sides in registers.values() for side in sides.values() for w in side.docs})
    delta: dict[str, float] = {}
    topic = set().union(*TOPIC_WORDS.values())
    for word in vocabulary:
        if word in topic:
            continue  # counted on one side only: wordfreq decides it
        total_docs = 0
        weighted = weight = 0.0
        for register, sides in registers.items():
            ms, id_ = sides["ms"], sides["id"]
            n = ms.docs[word] + id_.docs[word]
            total_docs += n
            # SMOOTH occurrences' share of each side's mass, for smoothing both sides alike.
            pseudo_ms, pseudo_id = SMOOTH / ms.mass, SMOOTH / id_.mass
            lean = math.log(id_.freq[word] + pseudo_id) - math.log(ms.freq[word] + pseudo_ms)
            w = IMPORTANCE[register] * n / (n + HALF_EVIDENCE)
            weighted += w * lean
            weight += w
        if total_docs < MIN_DOCS:
            continue
        corpus = weighted / weight
        informal = registers["informal"]
        if informal["ms"].docs[word] + informal["id"].docs[word] < INFORMAL_SHARE * total_docs:
            continue  # a formal word: wordfreq's bigger lists know it better
        trust = CORPUS_WEIGHT * min(1.0, total_docs / FULL_TRUST)
        wf = wordfreq.get(word)
        if wf is None or (wf[0] is None and wf[1] is None):
            mixed = trust * corpus
        else:
            gap = (wf[0] if wf[0] is not None else _WORDFREQ_FLOOR) - (wf[1] if wf[1] is not None else _WORDFREQ_FLOOR)
            mixed = trust * corpus + (1 - trust) * max(-CLIP, min(CLIP, gap))
        delta[word] = round(max(-CLIP, min(CLIP, mixed)), 2)
    return {
        "source": "shared/langid/train (ms.*, id.*) smoothed with wordfreq 3.1.1; CC BY-SA 4.0",
        "id_minus_ms": delta,
        "pairs": _pairs(registers["informal"]),
    }, held


def _pairs(sides: dict[str, _Side]) -> dict[str, float]:
    """For adjacent pairs of words both languages use (the informal register): how much the
    second word's id/ms lean changes after the first (the log-ratio of P(b | a) less that of
    P(b)), where that differs enough to matter. Pairs that only repeat their words' leans, and
    pairs with a word one side hardly uses, are left out."""
    ms, id_ = sides["ms"], sides["id"]

    def lean(f_id: float, f_ms: float, m_id: int, m_ms: int) -> float:
        return math.log(f_id + SMOOTH / m_id) - math.log(f_ms + SMOOTH / m_ms)

    out: dict[str, float] = {}
    for pair in sorted(set(id_.pair_docs) | set(ms.pair_docs)):
        n = id_.pair_docs[pair] + ms.pair_docs[pair]
        if n < PAIR_MIN_DOCS:
            continue
        a, b = pair.split(" ")
        if min(id_.docs[a], ms.docs[a], id_.docs[b], ms.docs[b]) < PAIR_SHARED_DOCS:
            continue  # a word one side hardly uses already decides by itself
        pair_lean = lean(id_.pair_freq[pair], ms.pair_freq[pair], id_.pair_mass, ms.pair_mass)
        lean_a = lean(id_.freq[a], ms.freq[a], id_.mass, ms.mass)
        lean_b = lean(id_.freq[b], ms.freq[b], id_.mass, ms.mass)
        extra = (pair_lean - lean_a - lean_b) * n / (n + PAIR_HALF_EVIDENCE)
        if abs(extra) >= PAIR_MIN_EXTRA:
            out[pair] = round(max(-PAIR_CLIP, min(PAIR_CLIP, extra)), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-dir", type=Path, default=TRAIN)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--holdout", action="store_true", help="keep every tenth informal line out")
    args = parser.parse_args()
    table, held = build(args.train_dir, args.holdout)
    payload = json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with gzip.GzipFile(args.out, "wb", mtime=0) as fh:
        fh.write(payload.encode("utf-8"))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, {len(table['id_minus_ms'])} words)")
    if args.holdout:
        with HOLDOUT_OUT.open("w", encoding="utf-8") as fh:
            for row in held:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {HOLDOUT_OUT} ({len(held)} lines)")


if __name__ == "__main__":
    main()
