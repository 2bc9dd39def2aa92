"""Short built-in phrases the bot says in each of its seven languages.

These are the sentences that do not come from a merchant's FAQ or an LLM: the
note that a person will follow up, the greeting, the answer to a sticker.
``{name}`` is replaced by the bot's display name.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = ["Phrase", "phrase"]


class Phrase(StrEnum):
    FOLLOW_UP = "follow_up"
    GREETING = "greeting"
    NON_TEXT = "non_text"
    EMPTY = "empty"
    HANDOFF = "handoff"
    RATE_LIMITED = "rate_limited"


_PHRASES: Mapping[Phrase, Mapping[str, str]] = MappingProxyType(
    {
        Phrase.FOLLOW_UP: {
            "th": "ขอบคุณที่ติดต่อ {name} ค่ะ เรื่องนี้ขอให้ทีมงานตรวจสอบก่อนนะคะ แล้วเจ้าหน้าที่จะติดต่อกลับโดยเร็วที่สุดค่ะ",
            "id": "Terima kasih sudah menghubungi {name}, Kak. Pertanyaan ini akan kami teruskan ke tim kami, dan petugas kami akan segera membalas ya.",
            "ms": "Terima kasih kerana menghubungi {name}. Soalan ini akan kami panjangkan kepada pasukan kami, dan wakil kami akan membalas secepat mungkin ya.",
            "vi": "Cảm ơn bạn đã liên hệ {name}. Câu hỏi này mình sẽ chuyển cho nhân viên kiểm tra và phản hồi bạn sớm nhất nhé.",
            "zh": "亲，感谢您联系{name}！这个问题我们会转给同事核实，稍后会有工作人员尽快回复您哦。",
            "en": "Thanks for contacting {name}! I've passed your question to our team and a person will get back to you shortly.",
            "tl": "Salamat po sa pag-message sa {name}! Ipapasa po namin ang tanong ninyo sa aming team at may sasagot po sa inyo sa lalong madaling panahon.",
        },
        Phrase.GREETING: {
            "th": "สวัสดีค่ะ ยินดีต้อนรับสู่ {name} ค่ะ สอบถามเรื่องสินค้า การจัดส่ง หรือการชำระเงินได้เลยนะคะ",
            "id": "Halo Kak, selamat datang di {name}! Silakan tanya soal produk, pengiriman, atau pembayaran ya.",
            "ms": "Hai, selamat datang ke {name}! Silakan tanya tentang produk, penghantaran atau pembayaran ya.",
            "vi": "Xin chào, chào mừng bạn đến với {name}! Bạn cứ hỏi về sản phẩm, giao hàng hay thanh toán nhé.",
            "zh": "亲，您好！欢迎光临{name}，商品、发货、付款的问题都可以问我哦。",
            "en": "Hi, welcome to {name}! Ask me anything about our products, delivery or payment.",
            "tl": "Hello po, welcome sa {name}! Magtanong lang po tungkol sa products, delivery o payment.",
        },
        Phrase.NON_TEXT: {
            "th": "ได้รับแล้วค่ะ ขอบคุณนะคะ ถ้ามีคำถาม พิมพ์ข้อความมาได้เลยค่ะ",
            "id": "Sudah kami terima, terima kasih Kak! Kalau ada pertanyaan, silakan ketik pesannya ya.",
            "ms": "Sudah diterima, terima kasih! Jika ada soalan, sila taip mesej anda ya.",
            "vi": "Mình đã nhận được, cảm ơn bạn! Nếu có câu hỏi, bạn nhắn tin bằng chữ giúp mình nhé.",
            "zh": "收到啦，谢谢亲！有问题的话直接打字问我就好哦。",
            "en": "Got it, thank you! If you have a question, just type it as a message.",
            "tl": "Natanggap na po, salamat! Kung may tanong po kayo, i-type lang po ang message ninyo.",
        },
        Phrase.EMPTY: {
            "th": "ขออภัยค่ะ ไม่เห็นข้อความเลย รบกวนพิมพ์คำถามอีกครั้งนะคะ",
            "id": "Maaf Kak, pesannya kosong. Boleh diketik ulang pertanyaannya?",
            "ms": "Maaf, mesej anda kosong. Boleh taip semula soalan anda?",
            "vi": "Xin lỗi, tin nhắn của bạn đang trống. Bạn gõ lại câu hỏi giúp mình nhé?",
            "zh": "亲，消息是空的哦，麻烦再输入一下您的问题～",
            "en": "Sorry, your message was empty. Could you type your question again?",
            "tl": "Pasensya na po, walang laman ang message. Paki-type po ulit ang tanong ninyo.",
        },
        Phrase.HANDOFF: {
            "th": "รับทราบค่ะ กำลังส่งต่อให้เจ้าหน้าที่ดูแลนะคะ รอสักครู่ค่ะ",
            "id": "Baik Kak, percakapan ini kami teruskan ke tim CS kami. Mohon ditunggu sebentar ya.",
            "ms": "Baik, perbualan ini akan diambil alih oleh wakil kami. Mohon tunggu sebentar ya.",
            "vi": "Dạ, mình sẽ chuyển cuộc trò chuyện cho nhân viên hỗ trợ ngay, bạn chờ một chút nhé.",
            "zh": "好的亲，正在为您转接人工客服，请稍等～",
            "en": "Sure, I'm handing you over to a member of our team. Please wait a moment.",
            "tl": "Sige po, ipapasa ko po kayo sa isa sa aming team. Sandali lang po.",
        },
        Phrase.RATE_LIMITED: {
            "th": "ขออภัยค่ะ ข้อความเข้ามาเร็วเกินไป รบกวนรอสักครู่แล้วค่อยส่งใหม่นะคะ",
            "id": "Maaf Kak, pesannya terlalu cepat. Mohon tunggu sebentar lalu kirim lagi ya.",
            "ms": "Maaf, mesej dihantar terlalu cepat. Sila tunggu sebentar dan hantar semula ya.",
            "vi": "Xin lỗi, bạn nhắn hơi nhanh. Bạn chờ một chút rồi gửi lại giúp mình nhé.",
            "zh": "亲，消息发得有点快，请稍等片刻再发哦。",
            "en": "Sorry, that's a lot of messages at once. Please wait a moment and send again.",
            "tl": "Pasensya na po, masyadong mabilis ang mga message. Sandali lang po bago magpadala ulit.",
        },
    }
)


def phrase(which: Phrase, lang: str, *, name: str, fallback_lang: str = "en") -> str:
    """The built-in ``which`` phrase in ``lang`` (or ``fallback_lang``), naming the bot."""
    table = _PHRASES[which]
    text = table.get(lang) or table.get(fallback_lang) or table["en"]
    return text.replace("{name}", name)
