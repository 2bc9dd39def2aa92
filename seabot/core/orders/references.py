"""Finding an order reference in what a customer writes, and noticing an order-status question.

Customers write references in many forms and languages, often mixed: "#1001", "order 1001",
"pesanan 1001", "คำสั่งซื้อ 1001", "订单号1001", "đơn hàng 1001", "order ko 1001", marketplace
numbers such as "240612ABCD1234". A number alone ("1001 po") counts only as the answer to our
own question (``expecting=True``): otherwise prices, phone numbers and dates would pass as orders.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["find_order_reference", "is_order_question", "normalize_reference"]

# Words that introduce an order number, every language (matched case-insensitively).
_KEYWORDS = (
    # en (and the English loan word everyone uses)
    r"order(?:\s*(?:no\.?|number|num|nr|id|ref(?:erence)?))?",
    r"invoice",
    # id / ms
    r"pesanan",
    r"pesananku",
    r"no\.?\s*pesanan",
    r"nomor\s+pesanan",
    r"nombor\s+pesanan",
    r"tempahan",
    r"nombor\s+tempahan",
    r"invois",
    # vi (with and without diacritics)
    r"đơn\s*hàng",
    r"don\s*hang",
    r"mã\s*đơn(?:\s*hàng)?",
    r"ma\s*don(?:\s*hang)?",
    r"đơn",
    r"số\s*đơn",
    # th
    r"(?:เลขที่|หมายเลข|เลข)?คำสั่งซื้อ",
    r"(?:เลข)?ออเดอร์",
    r"ออร์เดอร์",
    # zh
    r"订单(?:号码|编号|号)?",
    r"訂單(?:號碼|編號|號)?",
    r"单号",
)
# What may sit between the keyword and the number: pronouns, "number", "is", particles, punctuation.
_FILLER = (
    r"(?:\s|[:：#＃.,，=-]|"
    r"no\b|number\b|num\b|id\b|is\b|ko\b|ay\b|ng\b|namin\b|ko\s+po\b|po\b|saya\b|aku\b|ku\b|awak\b|"
    r"my\b|mine\b|là\b|la\b|của\s+tôi\b|cua\s+toi\b|của\s+mình\b|cua\s+minh\b|tôi\b|mình\b|số\b|so\b|"
    r"ของ(?:ฉัน|ผม|หนู|เรา)?|คือ|เลขที่|หมายเลข|ค่ะ|ครับ|"
    r"是|为|號|号|的|我的)*"
)
_REF = r"(?P<ref>[0-9A-Za-z\u0e50-\u0e59\uff10-\uff19][0-9A-Za-z\u0e50-\u0e59\uff10-\uff19-]{1,39})"
# Patterns run on NFKC text (fullwidth digits and '＃' become ASCII), so they are NFKC'd too
# (NFKC splits Thai SARA AM, as in คำสั่งซื้อ, into two characters).
_AFTER_KEYWORD = re.compile(unicodedata.normalize("NFKC", rf"(?:{'|'.join(_KEYWORDS)}){_FILLER}{_REF}"), re.IGNORECASE)
_HASH = re.compile(rf"#\s?{_REF}")
# Marketplace order numbers (Shopee's YYMMDD + 8, and similar): long, upper-case, letters and digits.
_PLATFORM = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Z]*[A-Z])(?=(?:[A-Z]*[0-9]){6})[0-9A-Z]{10,24}(?![0-9A-Za-z])")
# A bare reference, only when we asked for one: a run of 3+ digits, or letters-and-digits with 3+ digits.
_BARE = re.compile(r"(?<![0-9A-Za-z@.+])(?=(?:[A-Za-z-]*[0-9]){3})[0-9A-Za-z][0-9A-Za-z-]{2,39}(?![0-9A-Za-z@])")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{8,}\d")


def normalize_reference(raw: str) -> str:
    """``#１００１`` → ``1001``: no '#', any script's digits as ASCII, letters upper-cased."""
    out = []
    for ch in raw.strip().lstrip("#＃"):
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch.upper())
    return "".join(out).strip("-")


def _ascii_digits(text: str) -> str:
    """Thai, Arabic-Indic … digits as ASCII digits (NFKC already folded the fullwidth ones)."""
    return "".join(str(d) if ch.isdigit() and (d := unicodedata.decimal(ch, None)) is not None else ch for ch in text)


def _usable(ref: str) -> bool:
    digits = sum(ch.isdigit() for ch in ref)
    return digits >= 3 or (digits >= 1 and len(ref) >= 5)


def find_order_reference(text: str, *, expecting: bool = False) -> str | None:
    """The order reference in ``text``, normalized, or None.

    ``expecting`` is True when the bot has just asked for the number: then a number standing
    alone ("1001", "1001 po", "ini 1001 kak") is taken as the answer.
    """
    text = _ascii_digits(unicodedata.normalize("NFKC", text))
    scrubbed = _EMAIL.sub(" ", text)
    for pattern in (_HASH, _AFTER_KEYWORD):
        for match in pattern.finditer(scrubbed):
            ref = normalize_reference(match.group("ref"))
            if _usable(ref):
                return ref
    platform = _PLATFORM.search(scrubbed)
    if platform:
        return normalize_reference(platform.group(0))
    if expecting:
        no_phones = _PHONE.sub(" ", scrubbed)
        for match in _BARE.finditer(no_phones):
            ref = normalize_reference(match.group(0))
            if _usable(ref):
                return ref
    return None


# Order-status questions without a number, per language, written as ``normalize`` leaves text
# (casefolded, no punctuation, Latin diacritics folded: "đơn hàng" is "don hang").
_SPACED_CUES = (
    # en
    "where is my order",
    "wheres my order",
    "where s my order",
    "where is my package",
    "where is my parcel",
    "where is my stuff",
    "my order status",
    "order status",
    "track my order",
    "tracking my order",
    "track order",
    "tracking number",
    "tracking no",
    "when will my order",
    "when will it arrive",
    "when will i get my order",
    "when will i receive",
    "has my order shipped",
    "has my order been shipped",
    "is my order shipped",
    "did you ship",
    "not received my order",
    "havent received my order",
    "haven t received",
    "havent received",
    "still not received",
    "hasnt arrived",
    "hasn t arrived",
    "not arrived yet",
    "my order",
    "my parcel",
    "my package",
    "delivery status",
    "shipping status",
    # id
    "kapan sampai",
    "kapan sampainya",
    "kapan nyampe",
    "kapan datang",
    "kapan dikirim",
    "kapan diterima",
    "pesanan saya",
    "pesananku",
    "paket saya",
    "paketku",
    "status pesanan",
    "cek pesanan",
    "lacak pesanan",
    "nomor resi",
    "no resi",
    "resi nya",
    "resinya",
    "belum sampai",
    "belum nyampe",
    "belum datang",
    "belum diterima",
    "sudah dikirim",
    "udah dikirim",
    "sudah dikirim belum",
    "orderan saya",
    "orderanku",
    # ms
    "bila sampai",
    "bila nak sampai",
    "bila boleh sampai",
    "bila akan sampai",
    "bila dapat",
    "tempahan saya",
    "parcel saya",
    "bungkusan saya",
    "belum terima",
    "tak sampai lagi",
    "tak sampai",
    "dah pos ke",
    "dah hantar ke",
    "sudah pos",
    "nombor tracking",
    "no tracking",
    "status penghantaran",
    "pesanan aku",
    "order saya",
    "order aku",
    # vi
    "don hang cua toi",
    "don cua toi",
    "don cua minh",
    "don hang cua minh",
    "bao gio giao",
    "khi nao giao",
    "khi nao nhan duoc",
    "khi nao toi",
    "bao gio den",
    "bao gio nhan duoc",
    "don hang den dau",
    "don den dau",
    "kiem tra don",
    "ma van don",
    "tinh trang don",
    "trang thai don",
    "chua nhan duoc hang",
    "chua nhan duoc don",
    "giao chua",
    "ship chua",
    "gui hang chua",
    "da gui hang chua",
    # tl
    "nasaan na ang order ko",
    "nasaan na order ko",
    "nasan na order ko",
    "asan na order ko",
    "asan na yung order ko",
    "nasan na yung order ko",
    "kailan darating",
    "kelan darating",
    "kailan dadating",
    "kelan dadating",
    "kailan ma deliver",
    "order ko",
    "na ship na ba",
    "naship na ba",
    "na ship na",
    "hindi pa dumarating",
    "di pa dumarating",
    "wala pa yung order",
    "parcel ko",
    "yung order ko",
    "status ng order",
)
_UNSPACED_CUES = (
    # th
    "ของถึงเมื่อไหร่",
    "ถึงเมื่อไหร่",
    "ถึงเมื่อไร",
    "ของจะมาเมื่อไหร่",
    "จะได้ของเมื่อไหร่",
    "ได้ของเมื่อไหร่",
    "ส่งของยัง",
    "ส่งของหรือยัง",
    "ส่งของให้ยัง",
    "ส่งยัง",
    "ส่งหรือยัง",
    "เลขพัสดุ",
    "เลขแทร็ก",
    "ติดตามพัสดุ",
    "พัสดุของ",
    "สถานะคำสั่งซื้อ",
    "สถานะออเดอร์",
    "ยังไม่ได้รับของ",
    "ของยังไม่ถึง",
    "ยังไม่ได้ของ",
    "เช็คออเดอร์",
    "เช็กออเดอร์",
    "ออเดอร์ของ",
    "คำสั่งซื้อของ",
    "ของมาถึง",
    # zh
    "我的快递",
    "快递到哪",
    "到哪了",
    "到哪里了",
    "物流",
    "查订单",
    "订单状态",
    "什么时候到",
    "什么时候发货",
    "何时到",
    "几时到",
    "发货了吗",
    "发货没",
    "还没收到",
    "没收到货",
    "快递单号",
    "运单号",
    "我的订单",
    "我的包裹",
    "包裹到",
    "訂單狀態",
    "我的訂單",
    "到哪裡了",
    "還沒收到",
)


_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_NOT_LETTER = re.compile(r"[^\w\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]+")


def _fold(text: str) -> str:
    """Casefolded, Latin diacritics dropped ("đơn hàng" → "don hang"), punctuation to spaces;
    Thai vowel and tone marks kept."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = unicodedata.normalize("NFC", _LATIN_MARKS.sub("", text).replace("đ", "d"))
    return " ".join(_NOT_LETTER.sub(" ", text).replace("_", " ").split())


_SPACED = tuple(f" {_fold(cue)} " for cue in _SPACED_CUES)
_UNSPACED = tuple(_fold(cue).replace(" ", "") for cue in _UNSPACED_CUES)


def is_order_question(text: str) -> bool:
    """Does ``text`` ask about an order's status or whereabouts, with or without a number?"""
    folded = _fold(text)
    if not folded:
        return False
    padded = f" {folded} "
    if any(cue in padded for cue in _SPACED):
        return True
    squeezed = folded.replace(" ", "")
    return any(cue in squeezed for cue in _UNSPACED)
