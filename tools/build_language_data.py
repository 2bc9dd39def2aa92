"""Build the word and character-trigram tables shipped with the language detector.

The detector's Latin-script model (en, id, ms, tl, vi) is a naive-Bayes over words with a
character-trigram fallback for words it has never seen. Both tables are derived from the
`wordfreq` package's "small" word lists (CC BY-SA 4.0; see wordfreq's README for sources),
which is a development-only dependency:

    .venv/bin/python -m pip install 'wordfreq==3.1.1'
    .venv/bin/python tools/build_language_data.py

writes ``seabot/core/language/data/latin_model.json.gz``. The output is deterministic.
``tools/build_language_idms.py`` smooths its id/ms table with this one: rebuild that after this.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path

from wordfreq import get_frequency_dict

LANGS = ("en", "id", "ms", "tl", "vi")
WORDFREQ_CODE = {"tl": "fil"}
WORDS_PER_LANG = 30000
TRIGRAM = 3
#: Vietnamese written without diacritics (common in chat) gets the stripped forms of the
#: Vietnamese words, this many nats less likely than the accented form.
VI_STRIPPED_PENALTY = 1.0
LETTERS = re.compile(r"[^\W\d_]+")
OUT = Path(__file__).resolve().parents[1] / "seabot/core/language/data/latin_model.json.gz"


def strip_diacritics(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def build() -> dict[str, object]:
    words: dict[str, dict[str, float]] = {}
    grams: list[Counter[str]] = [Counter() for _ in LANGS]
    for index, lang in enumerate(LANGS):
        freqs = get_frequency_dict(WORDFREQ_CODE.get(lang, lang), wordlist="small")
        kept = [(w, f) for w, f in freqs.items() if LETTERS.fullmatch(w)][:WORDS_PER_LANG]
        variants = list(kept)
        if lang == "vi":
            variants += [(strip_diacritics(w), f * math.exp(-VI_STRIPPED_PENALTY)) for w, f in kept]
        for word, freq in variants:
            entry = words.setdefault(word, {})
            entry[lang] = max(entry.get(lang, -99.0), math.log(freq))
            padded = f" {word} "
            for k in range(len(padded) - TRIGRAM + 1):
                grams[index][padded[k : k + TRIGRAM]] += freq
    totals = [sum(counter.values()) for counter in grams]
    trigrams = {
        gram: [round(math.log(grams[i][gram] / totals[i]), 2) if grams[i][gram] else None for i in range(len(LANGS))]
        for gram in sorted(set().union(*grams))
    }
    word_rows = {
        word: [round(entry[lang], 2) if lang in entry else None for lang in LANGS]
        for word, entry in sorted(words.items())
    }
    return {
        "langs": list(LANGS),
        "source": "wordfreq 3.1.1 small lists (CC BY-SA 4.0)",
        "words": word_rows,
        "trigrams": trigrams,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    payload = json.dumps(build(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.out, "wb", mtime=0) as fh:
        fh.write(payload.encode("utf-8"))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
