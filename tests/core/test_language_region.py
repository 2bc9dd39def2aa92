"""Round 5: English of the region, laughter, whole conversations, the corpus id/ms table."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from seabot.core.language import Detection, LanguageDetector
from tests.shared_data import shared_path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
TABLE = ROOT / "seabot/core/language/data/idms_words.json.gz"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def _rows(name: str) -> list[dict]:
    return [json.loads(x) for x in (DATA / name).read_text("utf-8").splitlines() if x.strip()]


# Each of these was ms or tl before round 5.
SINGLISH = [
    "can lah",
    "ok lor",
    "ok lor see you",
    "where are you ah?",
    "Yeap ok thanks!",
    "Hehe, when you reach?",
    "Wah so late eh",
    "alamak so late",
    "alamak",
    "no need lah",
    "so expensive leh",
    "walao so slow",
    "aiya never mind",
    "haha ok",
    "tq boss",
]


@pytest.mark.parametrize("text", SINGLISH)
def test_singlish_and_manglish_chat_is_english(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).lang == "en"


@pytest.mark.parametrize(
    "text",
    ["boleh lah", "takpe lah", "alamak barang rosak lah", "I nak order satu boleh?", "I think you kena move on la"],
)
def test_particles_next_to_real_malay_stay_malay(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).lang == "ms"


@pytest.mark.parametrize("text", ["hehe", "haha", "hahaha ok", "hehe thanks", "Hehe, when you reach?"])
def test_laughter_is_never_tagalog_by_default(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).lang == "en"


@pytest.mark.parametrize("text", ["wkwk", "wkwkwk", "wkwkwkwkk", "wkwkwk ok kak"])
def test_wkwk_is_indonesian(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).lang == "id"


@pytest.mark.parametrize("text", ["555", "55555", "555 ok"])
def test_555_is_thai(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).lang == "th"


def test_555_is_not_a_price_or_part_of_a_number(detector: LanguageDetector) -> None:
    assert detector.detect("5550").lang == "und"
    assert detector.detect("5.555").lang == "und"
    assert detector.detect("555", conversation_lang="en").lang == "en"


MALAY_OPENING = ["Assalamualaikum, saya nak tanya pasal tudung yang bawal tu ada lagi ke?"]


@pytest.mark.parametrize("text", ["ok", "tq", "aku pun nak satu", "berapa harga", "ok tq", "terima kasih"])
def test_one_clear_malay_sentence_keeps_the_conversation_malay(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text, conversation_lang="ms", recent_customer_texts=MALAY_OPENING).lang == "ms"


def test_earlier_messages_decide_a_close_call(detector: LanguageDetector) -> None:
    # Without its conversation "saya bayar sekarang" is a coin flip; with it, it follows.
    indonesian = ["Kalau pesan sekarang kapan sampai ke Medan?"]
    malay = ["Saya tinggal di Shah Alam, boleh pos laju tak?"]
    assert detector.detect("saya bayar sekarang", recent_customer_texts=indonesian).lang == "id"
    assert detector.detect("saya bayar sekarang", recent_customer_texts=malay).lang == "ms"


@pytest.mark.parametrize(
    ("earlier", "text", "lang"),
    [
        ([*MALAY_OPENING, "ok"], "Actually can I speak to someone in English please?", "en"),
        (["Hi, can I change my delivery address?"], "Sebenarnya saya nak hantar ke rumah mak saya di Kedah", "ms"),
        (MALAY_OPENING, "gak bisa bayar pake kartu kak", "id"),
        (["Kak, barangnya udah dikirim belum ya?"], "Saya nak tukar alamat penghantaran boleh?", "ms"),
    ],
)
def test_a_real_switch_is_followed_at_once(
    detector: LanguageDetector, earlier: list[str], text: str, lang: str
) -> None:
    conversation_lang = detector.detect(earlier[-1], recent_customer_texts=earlier[:-1]).lang
    assert detector.detect(text, conversation_lang=conversation_lang, recent_customer_texts=earlier).lang == lang


def test_neutral_earlier_messages_leave_todays_behaviour(detector: LanguageDetector) -> None:
    for text in ("makan", "ok", "saya bayar sekarang", "Where is my parcel?"):
        for lang in ("ms", "id", "en", None):
            today = detector.detect(text, conversation_lang=lang)
            assert detector.detect(text, conversation_lang=lang, recent_customer_texts=()) == today
            assert detector.detect(text, conversation_lang=lang, recent_customer_texts=["ok", "👍", "haha"]) == today


def test_bad_earlier_messages_never_raise(detector: LanguageDetector) -> None:
    bad = ["\ud800", "x" * 100_000, "", None, ["a list"], b"bytes"]
    result = detector.detect("saya bayar sekarang", recent_customer_texts=bad)  # type: ignore[arg-type]  # bad input, on purpose
    assert isinstance(result, Detection) and result.lang in ("id", "ms")


def _replay(detector: LanguageDetector, conversation: dict, with_context: bool) -> list[bool]:
    current: str | None = None
    earlier: list[str] = []
    hits = []
    for message in conversation["messages"]:
        kwargs = {"recent_customer_texts": tuple(earlier[-4:])} if with_context else {}
        got = detector.detect(message["text"], locale=conversation["locale"], conversation_lang=current, **kwargs).lang
        current = got if got != "und" else current
        earlier.append(message["text"])
        hits.append(got == message["lang"])
    return hits


def test_own_conversation_set(detector: LanguageDetector) -> None:
    conversations = _rows("langid_conversations.jsonl")
    plain = [h for c in conversations for h in _replay(detector, c, with_context=False)]
    pooled = [h for c in conversations for h in _replay(detector, c, with_context=True)]
    assert len(pooled) >= 190
    assert sum(pooled) / len(pooled) >= 0.96
    assert sum(pooled) > sum(plain) + 10  # the conversation's messages together decide better


def test_own_regional_english_set(detector: LanguageDetector) -> None:
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for row in _rows("langid_region_english.jsonl"):
        seen[row["lang"]] += 1
        hits[row["lang"]] += detector.detect(row["text"]).lang == row["lang"]
    assert seen["en"] >= 150
    assert hits["en"] / seen["en"] >= 0.97
    assert sum(hits.values()) / sum(seen.values()) >= 0.95


def test_corpus_table_leans_both_ways_and_says_its_licence() -> None:
    table = json.loads(gzip.decompress(TABLE.read_bytes()))["id_minus_ms"]
    assert table["bisa"] > 2 and table["nak"] < -2  # the languages' own words
    assert abs(table["aku"]) < 1 and abs(table["yang"]) < 1  # shared function words do not lean
    assert "kerajaan" not in table and "pembangkang" not in table  # the political file's topic
    assert all(" " not in word for word in table)  # single words only, no text
    notice = (TABLE.parent / "README.md").read_text("utf-8")
    assert "idms_words.json.gz" in notice and "CC BY-SA 4.0" in notice


def test_corpus_table_is_reproducible_from_the_shared_texts(tmp_path: Path) -> None:
    train = shared_path("langid", "train")
    out = tmp_path / "idms_words.json.gz"
    subprocess.run(
        [sys.executable, str(ROOT / "tools/build_language_idms.py"), "--train-dir", str(train), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert out.read_bytes() == TABLE.read_bytes()


@pytest.mark.parametrize(("text", "lang"), [("pdhl", "id"), ("pdhl udh bayar", "id"), ("mmg xde", "ms")])
def test_chat_spellings_no_word_list_has(detector: LanguageDetector, text: str, lang: str) -> None:
    # pdhl (padahal) was English: only the corpus table knows it is Indonesian/Malay chat.
    assert detector.detect(text).lang == lang
