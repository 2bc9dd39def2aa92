"""Prompt building, token estimates for unspaced scripts, history trimming, breaker, pricing."""

from __future__ import annotations

from seabot.core.faq import FaqEntry
from seabot.core.llm import CircuitBreaker, TierSpec, build_prompt, cost_usd, estimate_tokens
from seabot.core.llm.settings import LLMSettings
from seabot.core.messages import Role
from seabot.core.profile import BotProfile
from seabot.core.responder import Turn

BOT = BotProfile(
    bot_id="shop",
    display_name="Sabai Mart",
    persona="You are Sabai Mart's assistant.",
    languages=("th", "zh", "en"),
    faq=(
        FaqEntry(
            "shipping_cost",
            {"th": ("ค่าส่งเท่าไหร่",), "zh": ("运费多少",), "en": ("shipping fee?",)},
            {"th": "ค่าส่ง 40 บาท", "zh": "运费40泰铢", "en": "Shipping is 40 baht."},
        ),
    ),
)


def test_unspaced_scripts_are_not_counted_as_one_word() -> None:
    thai = "สวัสดีค่ะสั่งของเมื่อวานยังไม่ได้รับเลยค่ะช่วยตรวจสอบให้หน่อยได้ไหมคะ"
    chinese = "你好我昨天下的订单到现在还没有发货请帮我查一下谢谢"
    assert estimate_tokens(chinese) == len(chinese)  # one token per ideograph
    assert len(thai) / 2 <= estimate_tokens(thai) <= len(thai)
    assert estimate_tokens("hello there, how long is shipping?") <= 10
    assert estimate_tokens("") == 0


def test_system_prompt_has_persona_language_and_faq_in_that_language() -> None:
    prompt = build_prompt(BOT, "zh", "包邮吗", (), max_history_tokens=500)
    system, current = prompt.messages[0], prompt.messages[-1]
    assert system.role == "system" and "Sabai Mart's assistant" in system.content
    assert "answer in Chinese" in system.content
    assert "运费40泰铢" in system.content and "运费多少" in system.content
    assert (current.role, current.content) == ("user", "包邮吗")


def test_history_is_trimmed_newest_first_and_the_current_message_is_always_kept() -> None:
    old = [Turn(Role.CUSTOMER if i % 2 == 0 else Role.BOT, f"{i}号" + "订单还没有到" * 10) for i in range(20)]
    each = estimate_tokens(old[0].text) + 4
    prompt = build_prompt(BOT, "zh", "现在怎么办" * 200, old, max_history_tokens=each * 3 + 1)
    contents = [m.content for m in prompt.messages[1:-1]]
    assert contents == [t.text for t in old[-3:]]  # the newest three, in order
    assert [m.role for m in prompt.messages[1:-1]] == ["assistant", "user", "assistant"]
    assert prompt.history_dropped == 17 and prompt.messages[-1].content == "现在怎么办" * 200


def test_thai_history_budget_counts_characters_not_spaces() -> None:
    thai_turn = Turn(Role.CUSTOMER, "สั่งของไปสามวันแล้วยังไม่ได้รับของเลยค่ะ" * 5)  # no spaces at all
    prompt = build_prompt(BOT, "th", "ช่วยดูให้หน่อย", [thai_turn] * 10, max_history_tokens=150)
    assert 0 < prompt.history_kept < 10  # a whitespace count would call each turn one token and keep all


def test_cost_arithmetic_uses_the_tier_prices() -> None:
    tier = TierSpec("premium", "big", input_usd_per_mtok=2.0, output_usd_per_mtok=8.0)
    assert cost_usd(tier, 1_000_000, 0) == 2.0
    assert abs(cost_usd(tier, 1200, 300) - (1200 * 2.0 + 300 * 8.0) / 1e6) < 1e-12


def test_fallback_chain_goes_down_the_configured_tiers() -> None:
    tiers = {name: TierSpec(name, f"m-{name}", 1, 1) for name in ("fast", "premium")}
    settings = LLMSettings(base_url="http://x/v1", api_key="k", tiers=tiers)
    assert [t.name for t in settings.chain_from("premium")] == ["premium", "fast"]
    assert [t.name for t in settings.chain_from("balanced")] == ["fast"]
    only_premium = LLMSettings(base_url="http://x/v1", api_key="k", tiers={"premium": tiers["premium"]})
    assert [t.name for t in only_premium.chain_from("fast")] == ["premium"]


def test_breaker_opens_after_failures_skips_then_probes_once() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=3, cooldown_s=60, clock=lambda: now[0])
    assert not breaker.failure("m") and not breaker.failure("m")
    assert breaker.allow("m")
    assert breaker.failure("m")  # third failure opens it
    assert not breaker.allow("m") and breaker.is_open("m")
    now[0] = 61
    assert breaker.allow("m")  # half-open: one probe
    assert not breaker.allow("m")  # the others keep skipping while it probes
    breaker.success("m")
    assert breaker.allow("m") and not breaker.is_open("m")
    assert breaker.allow("other")


def test_a_shop_persons_reply_is_the_assistant_side_of_the_prompt() -> None:
    from seabot.core.llm.prompt import build_prompt
    from seabot.core.messages import Role
    from seabot.core.profile import BotProfile
    from seabot.core.responder import Turn

    bot = BotProfile("shop", "Shop", languages=("en",))
    history = (Turn(Role.CUSTOMER, "my parcel is late"), Turn(Role.AGENT, "Ann here, I am checking it now"))
    prompt = build_prompt(bot, "en", "thanks, any news?", history, 2000)
    assert [(m.role, m.content) for m in prompt.messages[1:]] == [
        ("user", "my parcel is late"), ("assistant", "Ann here, I am checking it now"), ("user", "thanks, any news?"),
    ]  # fmt: skip
