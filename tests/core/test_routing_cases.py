"""Router on hand-written customer messages: (lang, text, tier, handoff).

tier is None for handoff requests (their tier is not scored). Written independently of the
shared dev set, in chat register: informal spellings, no diacritics, code-mixing.
"""

from __future__ import annotations

import pytest

from seabot.core.routing import Router, RoutingRules

CASES: list[tuple[str, str, str | None, bool]] = [
    # --- English
    ("en", "Hello there!", "fast", False),
    ("en", "thanks a lot, have a nice day", "fast", False),
    ("en", "Do you ship to Cebu? how much is the delivery fee", "fast", False),
    ("en", "Is the black hoodie in stock in size M?", "fast", False),
    ("en", "What time do you close on Sundays?", "fast", False),
    ("en", "Can I pay with GCash?", "fast", False),
    ("en", "hey, my parcel still hasn't arrived, it's been a week", "balanced", False),
    ("en", "I want to cancel my order please", "balanced", False),
    ("en", "the promo code SAVE10 isn't working at checkout", "balanced", False),
    ("en", "My card was declined but I have enough balance", "balanced", False),
    ("en", "Can you check the status of order 55123?", "balanced", False),
    ("en", "You charged me twice for the same order!", "premium", False),
    ("en", "The screen came cracked. I want my money back.", "premium", False),
    ("en", "This is clearly a counterfeit, not the original brand", "premium", False),
    ("en", "Worst service ever, I'll leave a bad review and report you to consumer protection", "premium", False),
    ("en", "you sent me the wrong size AGAIN", "premium", False),
    ("en", "I want to talk to a human", None, True),
    ("en", "can I speak with a customer service representative", None, True),
    ("en", "get me your manager", None, True),
    # --- Indonesian
    ("id", "Pagi kak", "fast", False),
    ("id", "makasih banyak kak 🙏", "fast", False),
    ("id", "Kak ready stok warna hitam?", "fast", False),
    ("id", "ongkir ke Medan berapa kak?", "fast", False),
    ("id", "Bisa bayar pakai OVO?", "fast", False),
    ("id", "kak pesanan aku kok belum dikirim ya", "balanced", False),
    ("id", "Mau ganti alamat pengiriman bisa?", "balanced", False),
    ("id", "udah transfer tapi status masih belum bayar", "balanced", False),
    ("id", "voucher gratis ongkir gak bisa dipakai", "balanced", False),
    ("id", "barangnya penyok parah, minta ganti rugi", "premium", False),
    ("id", "Kok barangnya beda sama foto? kecewa banget", "premium", False),
    ("id", "ini barang KW ya? penipu!", "premium", False),
    ("id", "Saldo kepotong dua kali tolong dicek", "premium", False),
    ("id", "min aku mau ngobrol sama admin manusia aja", None, True),
    ("id", "tolong sambungkan ke CS beneran", None, True),
    # --- Malay
    ("ms", "Salam, kedai buka hari Ahad?", "fast", False),
    ("ms", "tq sis, sangat membantu", "fast", False),
    ("ms", "Ada stok saiz L lagi?", "fast", False),
    ("ms", "Berapa caj penghantaran ke Sabah?", "fast", False),
    ("ms", "parcel saya tak sampai lagi, dah seminggu", "balanced", False),
    ("ms", "Nak tukar alamat boleh tak? belum hantar kan", "balanced", False),
    ("ms", "Kod baucar tak boleh guna masa checkout", "balanced", False),
    ("ms", "Saya dah bayar tapi status masih menunggu pembayaran", "balanced", False),
    ("ms", "Barang sampai dah pecah, nak pulangkan duit", "premium", False),
    ("ms", "Teruk betul servis korang, saya nak buat aduan", "premium", False),
    ("ms", "Akaun saya dicaj dua kali untuk satu pesanan", "premium", False),
    ("ms", "Ni barang tiruan, saya report KPDN nanti", "premium", False),
    ("ms", "boleh saya cakap dengan orang sebenar?", None, True),
    ("ms", "nak bercakap dengan staf, bukan bot", None, True),
    # --- Thai
    ("th", "หวัดดีค่ะ", "fast", False),
    ("th", "ขอบคุณนะคะ", "fast", False),
    ("th", "มีไซส์ L ไหมคะ พร้อมส่งไหม", "fast", False),
    ("th", "ค่าส่งไปเชียงใหม่เท่าไหร่ครับ", "fast", False),
    ("th", "ออเดอร์ที่สั่งเมื่อวานส่งหรือยังคะ", "balanced", False),
    ("th", "ขอยกเลิกออเดอร์ได้ไหมครับ", "balanced", False),
    ("th", "ใส่โค้ดส่วนลดแล้วใช้ไม่ได้ค่ะ", "balanced", False),
    ("th", "โอนเงินแล้วแต่สถานะยังไม่เปลี่ยน", "balanced", False),
    ("th", "ของที่ได้รับชำรุดใช้งานไม่ได้เลย", "premium", False),
    ("th", "ร้านนี้ขายของปลอม จะแจ้งความ", "premium", False),
    ("th", "โดนตัดเงินซ้ำสองรอบ ขอเงินคืนด้วย", "premium", False),
    ("th", "ผิดหวังมาก สินค้าไม่ตรงปกเลย", "premium", False),
    ("th", "ขอคุยกับเจ้าหน้าที่หน่อยครับ", None, True),
    ("th", "อยากคุยกับคนจริงๆ ไม่ใช่บอท", None, True),
    # --- Vietnamese (with and without diacritics)
    ("vi", "Xin chào shop ạ", "fast", False),
    ("vi", "cam on shop nhieu", "fast", False),
    ("vi", "Áo này còn hàng size L không shop?", "fast", False),
    ("vi", "phi ship ve Da Nang bao nhieu vay", "fast", False),
    ("vi", "Đơn của mình sao chưa giao vậy shop?", "balanced", False),
    ("vi", "cho minh huy don voi", "balanced", False),
    ("vi", "Mình đã chuyển khoản rồi mà đơn vẫn chưa xác nhận", "balanced", False),
    ("vi", "Hàng nhận được bị rách, mình muốn hoàn tiền", "premium", False),
    ("vi", "shop giao sai mau roi, that vong qua", "premium", False),
    ("vi", "Đây là hàng giả, tôi sẽ khiếu nại lên sàn", "premium", False),
    ("vi", "Cho mình gặp nhân viên với", None, True),
    ("vi", "toi muon noi chuyen voi nguoi that", None, True),
    # --- Chinese
    ("zh", "在吗", "fast", False),
    ("zh", "谢谢亲", "fast", False),
    ("zh", "这个有现货吗？", "fast", False),
    ("zh", "寄到广州运费多少？", "fast", False),
    ("zh", "我的快递怎么还没到", "balanced", False),
    ("zh", "可以帮我改一下收货地址吗", "balanced", False),
    ("zh", "付款失败了怎么办", "balanced", False),
    ("zh", "收到的杯子碎了，要求赔偿", "premium", False),
    ("zh", "你们卖假货，我要去消协投诉", "premium", False),
    ("zh", "同一笔订单扣了两次钱", "premium", False),
    ("zh", "我要找人工客服", None, True),
    ("zh", "不要机器人，叫你们经理出来", None, True),
    # --- Tagalog / Taglish
    ("tl", "Hello po, good morning", "fast", False),
    ("tl", "Salamat po sa mabilis na reply", "fast", False),
    ("tl", "May stock pa po ba ng size 8?", "fast", False),
    ("tl", "Magkano po shipping to Davao?", "fast", False),
    ("tl", "Hindi ko pa natatanggap yung order ko, one week na", "balanced", False),
    ("tl", "Pwede po bang i-cancel yung order ko?", "balanced", False),
    ("tl", "Ayaw gumana ng voucher sa checkout", "balanced", False),
    ("tl", "Basag yung dumating na baso, pa-refund po", "premium", False),
    ("tl", "Peke po ito, hindi original. Irereklamo ko kayo sa DTI", "premium", False),
    ("tl", "nakakainis na kayo, mali na naman ang size", "premium", False),
    ("tl", "Pwede ko po bang makausap ang agent?", None, True),
    ("tl", "real person please, hindi bot", None, True),
]

#: Messages that must NOT be taken as a request for a person.
NOT_HANDOFF: list[str] = [
    "The delivery person was very kind, thank you",
    "Is this suitable for a person with sensitive skin?",
    "kurirnya orangnya baik kok",
    "人工智能产品有优惠吗",
    "nhân viên giao hàng rất nhiệt tình",
    "Pwede po bang COD?",
    "ขอบคุณพนักงานส่งของด้วยค่ะ",
    "How many people can this tent fit?",
]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(RoutingRules.default())


@pytest.mark.parametrize(("lang", "text", "tier", "handoff"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_own_cases(router: Router, lang: str, text: str, tier: str | None, handoff: bool) -> None:
    decision = router.route(text, lang=lang)
    assert decision.handoff is handoff, decision.reasons
    if tier is not None:
        assert decision.tier == tier, decision.reasons
    assert decision.reasons or decision.tier == "fast"


@pytest.mark.parametrize("text", NOT_HANDOFF)
def test_people_mentioned_without_asking_for_one(router: Router, text: str) -> None:
    assert router.route(text).handoff is False
