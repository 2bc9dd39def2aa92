"""The offline responder answers from the FAQ in the customer's language, in all seven."""

from __future__ import annotations

from pathlib import Path

import pytest

from seabot.bots.config import load_config
from seabot.core.offline import OfflineResponder
from seabot.core.phrases import Phrase, phrase
from seabot.core.profile import BotProfile
from seabot.core.responder import ResponderRequest

# (customer question, its language, the FAQ topic it must be answered from)
QUESTIONS = [
    ("ส่งของกี่วันคะ", "th", "shipping_time"),
    ("ค่าส่งเท่าไหร่คะ", "th", "shipping_cost"),
    ("รับโอนผ่านพร้อมเพย์ไหม", "th", "payment_methods"),
    ("Berapa lama pengiriman?", "id", "shipping_time"),
    ("ongkirnya berapa kak", "id", "shipping_cost"),
    ("bisa bayar COD?", "id", "payment_methods"),
    ("berapa lama nak sampai", "ms", "shipping_time"),
    ("boleh pulangkan barang tak", "ms", "returns_refunds"),
    ("kedai buka pukul berapa", "ms", "opening_hours"),
    ("bao lâu thì nhận được hàng", "vi", "shipping_time"),
    ("bao lau nhan duoc hang", "vi", "shipping_time"),
    ("có nhận COD không", "vi", "payment_methods"),
    ("运费多少钱？", "zh", "shipping_cost"),
    ("可以退货吗", "zh", "returns_refunds"),
    ("几天能到", "zh", "shipping_time"),
    ("how long does shipping take?", "en", "shipping_time"),
    ("where is my order", "en", "order_tracking"),
    ("is there a warranty", "en", "warranty"),
    ("magkano shipping", "tl", "shipping_cost"),
    ("pwede po ba COD", "tl", "payment_methods"),
    ("ilang araw bago dumating", "tl", "shipping_time"),
    # the topic word is all they share with a sample question
    ("what's your whatsapp?", "en", "contact"),
    ("email address?", "en", "contact"),
    ("เบอร์โทรร้านอะไรคะ", "th", "contact"),
]

# Off-topic questions that share only question words ("what is your", "อะไร", "什么") with a
# sample question: the bot must not answer them from the FAQ.
SMALL_TALK = [
    ("what is your name", "en"),
    ("how old are you", "en"),
    ("what's your favourite colour", "en"),
    ("are you a robot", "en"),
    ("คุณชื่ออะไร", "th"),
    ("นายกชื่ออะไร", "th"),
    ("你叫什么名字", "zh"),
    ("siapa nama kamu", "id"),
    ("bạn tên gì", "vi"),
]


@pytest.fixture
def demo(shipped_config: Path) -> tuple[BotProfile, OfflineResponder]:
    profile = load_config(shipped_config, {}).bot("demo-shop").profile
    return profile, OfflineResponder.for_profiles([profile])


@pytest.mark.parametrize(("text", "lang", "topic"), QUESTIONS)
def test_answers_from_the_faq_in_the_customers_language(
    demo: tuple[BotProfile, OfflineResponder], text: str, lang: str, topic: str
) -> None:
    profile, responder = demo
    answer = responder.answer(ResponderRequest(bot=profile, text=text, lang=lang, tier="fast"))
    entry = next(e for e in profile.faq if e.topic == topic)
    assert answer.text == entry.answers[lang]
    assert answer.responder == "offline" and answer.cost_usd == 0


@pytest.mark.parametrize("lang", ["th", "id", "ms", "vi", "zh", "en", "tl"])
def test_unknown_question_gets_a_polite_follow_up_in_that_language(
    demo: tuple[BotProfile, OfflineResponder], lang: str
) -> None:
    profile, responder = demo
    answer = responder.answer(ResponderRequest(bot=profile, text="qzxv wpkj 42", lang=lang, tier="fast"))
    assert answer.text == phrase(Phrase.FOLLOW_UP, lang, name=profile.display_name)
    assert profile.display_name in answer.text


@pytest.mark.parametrize(("text", "lang"), SMALL_TALK)
def test_question_words_alone_do_not_pick_an_faq_answer(
    demo: tuple[BotProfile, OfflineResponder], text: str, lang: str
) -> None:
    profile, responder = demo
    answer = responder.answer(ResponderRequest(bot=profile, text=text, lang=lang, tier="fast"))
    assert answer.text == phrase(Phrase.FOLLOW_UP, lang, name=profile.display_name)


def test_every_seed_question_finds_its_own_topic(demo: tuple[BotProfile, OfflineResponder]) -> None:
    """No two topics share a question closely enough to steal each other's answers."""
    profile, responder = demo
    wrong = []
    for entry in profile.faq:
        for lang, questions in entry.questions.items():
            for question in questions:
                answer = responder.answer(ResponderRequest(bot=profile, text=question, lang=lang, tier="fast"))
                if answer.text != entry.answers[lang]:
                    wrong.append((entry.topic, lang, question))
    assert wrong == []
