"""The channel-neutral splitter: limits in chars, UTF-16 units and UTF-8 bytes, cuts at sentences."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from seabot.adapters.splitting import Measure, measure, split_text


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_part_and_blank_is_none() -> None:
    assert split_text("  Hello there.  ", 100) == ["Hello there."]
    assert split_text(" \n ", 100) == []


def test_cuts_fall_on_sentence_boundaries() -> None:
    text = "First sentence here. Second one is here! Third? Fourth sentence."
    assert split_text(text, 42) == ["First sentence here. Second one is here!", "Third? Fourth sentence."]


def test_cjk_and_thai_limits_in_bytes_and_utf16() -> None:
    chinese = "亲，您好！" + "这个商品今天发货。" * 300
    parts = split_text(chinese, 2048, Measure.UTF8)
    assert all(len(p.encode()) <= 2048 for p in parts) and all(p.endswith("。") or p.endswith("！") for p in parts)
    assert "".join(parts) == chinese
    thai = "สวัสดีค่ะ " * 1200  # no sentence punctuation: cut at spaces
    parts = split_text(thai, 5000, Measure.UTF16)
    assert all(measure(p, Measure.UTF16) <= 5000 and p.endswith("ค่ะ") for p in parts)


def test_no_cut_inside_emoji_or_combining_marks() -> None:
    text = "👍🏽" * 3000  # thumbs up + skin tone, 4 UTF-16 units each, no spaces
    parts = split_text(text, 4096, Measure.UTF16)
    assert all(p.startswith("👍") and measure(p, Measure.UTF16) <= 4096 for p in parts)
    assert "".join(parts) == text
    thai = "ที่" * 3000  # consonant + vowel + tone mark
    assert all(p.startswith("ท") for p in split_text(thai, 1000))


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=400),
       limit=st.integers(min_value=8, max_value=120),
       unit=st.sampled_from(list(Measure)))  # fmt: skip
def test_parts_fit_and_lose_nothing(text: str, limit: int, unit: Measure) -> None:
    parts = split_text(text, limit, unit)
    assert all(part and measure(part, unit) <= limit for part in parts)
    assert squash("".join(parts)) == squash(text)
