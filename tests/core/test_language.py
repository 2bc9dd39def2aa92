"""LanguageDetector: per-language, code-mixed, id/ms, context priors, und and bad input."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from seabot.core.language import LANGUAGES, UNDETERMINED, Detection, LanguageDetector
from tests.shared_data import shared_path


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


PER_LANGUAGE = [
    ("th", "สวัสดีค่ะ ร้านเปิดกี่โมงคะ"),
    ("th", "ขอบคุณครับ"),
    ("zh", "你好，请问几点关门？"),
    ("zh", "謝謝你們的幫忙"),
    ("vi", "Shop ơi, đơn hàng của mình tới đâu rồi?"),
    ("vi", "cam on shop nhieu nha"),
    ("vi", "khong biet khi nao giao hang vay"),
    ("en", "Where is my order? It has been a week."),
    ("en", "Do you accept cash on delivery?"),
    ("tl", "Magkano po ang shipping papuntang Cebu?"),
    ("tl", "Salamat po"),
    ("tl", "Hindi pa rin dumadating yung parcel ko"),
    ("id", "Kak, barangnya udah dikirim belum?"),
    ("id", "Saya mau tanya ongkir ke Surabaya"),
    ("ms", "Boleh saya tahu bila barang akan dihantar?"),
    ("ms", "Saya nak tukar alamat penghantaran"),
]


@pytest.mark.parametrize(("lang", "text"), PER_LANGUAGE)
def test_per_language(detector: LanguageDetector, lang: str, text: str) -> None:
    result = detector.detect(text)
    assert result.lang == lang
    assert 0.0 < result.confidence <= 1.0


CODE_MIXED = [
    ("th", "Order ผมยังไม่มาเลยครับ tracking ไม่ขยับ"),
    ("th", "ok ขอบคุณค่ะ see you"),
    ("zh", "我的order还没到"),
    ("zh", "这个item有discount吗"),
    ("tl", "Pwede po bang COD? Gusto ko sana mag-order"),
    ("tl", "Sira po yung dumating na item, I want a refund"),
    ("tl", "grabe ang bagal ng delivery niyo"),
    ("vi", "ship COD được không shop"),
    ("ms", "sis, barang I order tak sampai lagi lah"),
    ("id", "kak barangnya udah dikirim belum? urgent banget"),
]


@pytest.mark.parametrize(("lang", "text"), CODE_MIXED)
def test_code_mixed_gets_the_non_english_language(detector: LanguageDetector, lang: str, text: str) -> None:
    assert detector.detect(text).lang == lang


ID_MS_PAIRS = [
    ("Saya tidak bisa bayar pakai kartu", "Saya tak boleh bayar guna kad"),
    ("Kamu mau ke mana?", "Awak nak pergi mana?"),
    ("Mobil saya rusak", "Kereta saya rosak"),
    ("Uangnya belum dikembalikan", "Duit saya belum dipulangkan lagi"),
    ("Ongkirnya gratis kan?", "Penghantaran percuma kan?"),
    ("gak apa-apa kak, makasih", "takpe la, terima kasih"),
    ("udah transfer dari kemarin", "dah bayar semalam"),
    ("aku gak ngerti kenapa belum sampai", "aku tak faham kenapa belum sampai"),
    ("banget", "sangat best la"),
    ("Karena barangnya belum datang", "Sebab barang belum sampai"),
]


@pytest.mark.parametrize(("indonesian", "malay"), ID_MS_PAIRS)
def test_indonesian_and_malay_are_told_apart(detector: LanguageDetector, indonesian: str, malay: str) -> None:
    assert detector.detect(indonesian).lang == "id"
    assert detector.detect(malay).lang == "ms"


def test_id_ms_decision_is_deterministic(detector: LanguageDetector) -> None:
    results = {detector.detect("Selamat pagi") for _ in range(5)}
    assert len(results) == 1
    assert results.pop().lang in ("id", "ms")


@pytest.mark.parametrize(
    "text", ["", "   ", "😀😀👍", "12345", "INV-88231", "#A10293", "!!! ???", "https://shop.example/x?y=1"]
)
def test_nothing_to_go_on_is_und(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result == Detection(UNDETERMINED, 0.0)


@pytest.mark.parametrize(
    "text",
    ["\ud800", "a\udfffb", "\x00\x01\x1b[31m", "x" * 100_000, "สวัสดี" * 20_000, "\ufeff\u200b"],
)
def test_bad_input_never_raises(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text, locale="\ud800", conversation_lang="\ud800")
    assert result.lang in (*LANGUAGES, UNDETERMINED)
    assert 0.0 <= result.confidence <= 1.0


def test_non_string_input_is_und(detector: LanguageDetector) -> None:
    assert detector.detect(None).lang == UNDETERMINED  # type: ignore[arg-type]  # not a str, on purpose


def test_und_message_keeps_the_conversation_language(detector: LanguageDetector) -> None:
    assert detector.detect("👍", conversation_lang="th").lang == "th"
    assert detector.detect("12345", conversation_lang="ms").lang == "ms"


def test_short_message_keeps_the_conversation_language(detector: LanguageDetector) -> None:
    assert detector.detect("ok", conversation_lang="vi").lang == "vi"
    assert detector.detect("thanks", conversation_lang="zh").lang == "zh"
    assert detector.detect("makan", conversation_lang="ms").lang == "ms"
    assert detector.detect("makan", conversation_lang="id").lang == "id"


def test_clear_switch_overrides_the_conversation(detector: LanguageDetector) -> None:
    assert detector.detect("ขอบคุณค่ะ", conversation_lang="en").lang == "th"
    assert detector.detect("Can you tell me where my order is right now?", conversation_lang="id").lang == "en"
    assert detector.detect("gak bisa bayar", conversation_lang="ms").lang == "id"


def test_unknown_conversation_language_is_ignored(detector: LanguageDetector) -> None:
    assert detector.detect("👍", conversation_lang="fr").lang == UNDETERMINED


def test_locale_is_a_prior_for_ambiguous_text(detector: LanguageDetector) -> None:
    assert detector.detect("Selamat pagi", locale="ms-MY").lang == "ms"
    assert detector.detect("Selamat pagi", locale="id").lang == "id"
    assert detector.detect("Selamat pagi", locale="in_ID").lang == "id"
    assert detector.detect("ok", locale="fil").lang == "tl"


def test_locale_does_not_override_clear_evidence(detector: LanguageDetector) -> None:
    assert detector.detect("Saya nak tukar alamat penghantaran", locale="id").lang == "ms"
    assert detector.detect("你好", locale="en-US").lang == "zh"
    assert detector.detect("Where is my parcel?", locale="th").lang == "en"


def test_greeting_without_context_is_english_with_low_confidence(detector: LanguageDetector) -> None:
    result = detector.detect("hi")
    assert result.lang == "en"
    assert result.confidence <= 0.6


def test_japanese_is_not_called_chinese(detector: LanguageDetector) -> None:
    assert detector.detect("ありがとうございます").lang == UNDETERMINED


def test_detectors_are_independent() -> None:
    a, b = LanguageDetector(), LanguageDetector()
    assert a.detect("terima kasih kak") == b.detect("terima kasih kak")


def test_shared_dev_set_accuracy(detector: LanguageDetector) -> None:
    path = shared_path("langid", "dev.jsonl")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for row in rows:
        guess = detector.detect(row["text"]).lang
        for key in ("all", row["lang"], row["bucket"]):
            seen[key] += 1
            hits[key] += guess == row["lang"]
    acc = {k: hits[k] / seen[k] for k in seen}
    # dev's "ms" items are largely Indonesian web text, so ms is checked on test only.
    assert acc["th"] >= 0.99 and acc["zh"] >= 0.99
    assert acc["en"] >= 0.95 and acc["vi"] >= 0.95 and acc["tl"] >= 0.90 and acc["id"] >= 0.80
    assert acc["all"] >= 0.82


# Round 4 (informal Malaysian confessions vs Indonesian reviews): each case failed before.
ROUND4_CASES = [
    ("sbb aku tengah kerja", "ms"),  # a strong marker beats wordfreq's missing Malay entry for sbb
    ("sbb dia selalu marah", "ms"),
    ("tp aku still sayang dia", "ms"),  # aku and tp carry no id/ms lean ([shared])
    ("aku baru habis sem", "ms"),  # sem(ester): Malaysian campus slang
    ("bahasa ke?", "ms"),  # the question particle ke, not the preposition
    ("udaranya sejuk, pemandangannya hijau", "id"),  # sejuk (cool, fresh) is Indonesian too
]


@pytest.mark.parametrize(("text", "lang"), ROUND4_CASES)
def test_informal_confession_and_review_pieces(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


@pytest.mark.parametrize("text", ["mau ke mana?", "kirim ke aku aja"])
def test_preposition_ke_is_not_the_malay_particle(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).lang == "id"
