"""Order references and order-status questions as customers write them, in seven languages."""

from __future__ import annotations

import pytest

from seabot.core.orders import find_order_reference, is_order_question, normalize_reference


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("#1001", "1001"),
        ("order 1001", "1001"),
        ("Where is order #1001??", "1001"),
        ("my order number is 55512", "55512"),
        ("pesanan 1001", "1001"),
        ("Halo, pesanan saya #4521 belum sampai, kapan sampainya?", "4521"),
        ("no pesanan 88123 kak", "88123"),
        ("nombor tempahan 30021 bila sampai", "30021"),
        ("คำสั่งซื้อ 1001", "1001"),
        ("เลขที่คำสั่งซื้อ: ๑๐๐๑ ค่ะ", "1001"),
        ("ออเดอร์ 5521 ของถึงเมื่อไหร่คะ", "5521"),
        ("订单号1001", "1001"),
        ("订单号：１００１，什么时候发货？", "1001"),
        ("我的订单是 20240612 还没收到", "20240612"),
        ("đơn hàng 1001", "1001"),
        ("mã đơn hàng của tôi là DH12345", "DH12345"),
        ("don hang 7788 giao chua", "7788"),
        ("order ko 1001", "1001"),
        ("Hi po, yung order ko po ay 1001, kailan darating?", "1001"),
        ("240612ABCD1234 kapan sampai?", "240612ABCD1234"),
        ("my shopee order 240612ABCD1234", "240612ABCD1234"),
        ("order #A-1001", "A-1001"),
    ],
)
def test_references(text: str, ref: str) -> None:
    assert find_order_reference(text) == ref


@pytest.mark.parametrize(
    "text",
    ["how much is shipping to Cebu?", "harga 150000 ya kak", "call me 0812345678", "I ordered 3 items",
     "order placed 2 weeks ago", "my email is a1234@b.com", "ราคา 1500 บาทค่ะ", "运费10元吗", "1001"],
)  # fmt: skip
def test_not_references_unless_asked(text: str) -> None:
    assert find_order_reference(text) is None


@pytest.mark.parametrize(
    ("text", "ref"),
    [("1001", "1001"), ("1001 po", "1001"), ("ini 1001 kak", "1001"), ("๑๐๐๑ ค่ะ", "1001"), ("là 55123 nhé", "55123"),
     ("1001号", "1001"), ("#1001", "1001")],
)  # fmt: skip
def test_a_bare_number_answers_our_question(text: str, ref: str) -> None:
    assert find_order_reference(text, expecting=True) == ref


@pytest.mark.parametrize("text", ["0812345678", "+62 812 3456 4821", "siti1234@example.com", "ok", "12"])
def test_answers_that_are_not_a_number(text: str) -> None:
    assert find_order_reference(text, expecting=True) is None


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "where is my order"), ("en", "Where's my order?"), ("en", "I still haven't received my package"),
        ("id", "kapan sampai ya kak"), ("id", "Pesanan saya belum datang"), ("id", "minta nomor resi dong"),
        ("ms", "bila nak sampai ye"), ("ms", "parcel saya belum terima lagi"),
        ("th", "ของถึงเมื่อไหร่คะ"), ("th", "ส่งของยังคะ"), ("th", "ขอเลขพัสดุหน่อยค่ะ"),
        ("zh", "我的快递到哪了"), ("zh", "什么时候发货？"), ("zh", "还没收到货"),
        ("vi", "Đơn hàng của tôi bao giờ giao?"), ("vi", "ship chưa shop"),
        ("tl", "nasaan na po yung order ko"), ("tl", "kailan darating yung parcel ko?"),
        ("mixed", "kak order aku kapan sampai?"), ("mixed", "my order ko po asan na"),
    ],
)  # fmt: skip
def test_order_questions_without_a_number(lang: str, text: str) -> None:
    assert is_order_question(text), (lang, text)


@pytest.mark.parametrize(
    "text",
    ["how much is shipping", "berapa ongkir ke Surabaya", "ร้านเปิดกี่โมง", "你们支持货到付款吗", "có ship COD không",
     "magkano po ang shipping", "hello", ""],
)  # fmt: skip
def test_other_questions(text: str) -> None:
    assert not is_order_question(text)


def test_normalize_reference() -> None:
    assert normalize_reference("#１００１") == "1001"
    assert normalize_reference("๑๐๐๑") == "1001"
    assert normalize_reference("dh12345") == "DH12345"
