"""What the order assistant says in each of the bot's seven languages, outside an order card.

``{name}`` is the bot's display name.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = ["OrderPhrase", "order_phrase"]


class OrderPhrase(StrEnum):
    ASK_REFERENCE = "ask_reference"
    ASK_VERIFIER = "ask_verifier"
    NOT_FOUND = "not_found"  # unknown order, or not this customer's: one answer for both
    UNAVAILABLE = "unavailable"  # the shop's system cannot be reached: offer a person
    RATE_LIMITED = "rate_limited"


_PHRASES: Mapping[OrderPhrase, Mapping[str, str]] = MappingProxyType(
    {
        OrderPhrase.ASK_REFERENCE: {
            "th": "ยินดีช่วยตรวจสอบค่ะ รบกวนแจ้งหมายเลขคำสั่งซื้อ (เช่น #1001) ด้วยนะคะ",
            "id": "Siap Kak, kami cek ya. Boleh minta nomor pesanannya (misalnya #1001)?",
            "ms": "Baik, kami boleh semak. Boleh berikan nombor pesanan anda (contohnya #1001)?",
            "vi": "Dạ, mình kiểm tra giúp bạn nhé. Bạn gửi mình mã đơn hàng (ví dụ #1001) được không?",
            "zh": "好的亲，我帮您查一下～请发一下您的订单号（例如 #1001）哦。",
            "en": "Happy to check! Could you send me your order number (for example #1001)?",
            "tl": "Sige po, iche-check ko. Pakibigay po ang order number ninyo (halimbawa #1001).",
        },
        OrderPhrase.ASK_VERIFIER: {
            "th": "เพื่อความปลอดภัยของข้อมูล รบกวนแจ้งอีเมลที่ใช้สั่งซื้อ หรือเลข 4 ตัวท้ายของเบอร์โทรที่ให้ไว้ในคำสั่งซื้อ {ref} ด้วยนะคะ",
            "id": "Demi keamanan data, mohon kirim email yang dipakai saat memesan, atau 4 angka terakhir nomor HP di pesanan {ref} ya Kak.",
            "ms": "Demi keselamatan data, sila berikan e-mel yang digunakan semasa membuat pesanan, atau 4 digit terakhir nombor telefon dalam pesanan {ref}.",
            "vi": "Để bảo mật thông tin, bạn vui lòng gửi email đã dùng khi đặt hàng, hoặc 4 số cuối của số điện thoại trong đơn {ref} nhé.",
            "zh": "为了保护您的信息，请提供下单时使用的邮箱，或订单 {ref} 中手机号码的后4位哦。",
            "en": "To keep your details safe, please send the email you ordered with, or the last 4 digits of the phone number on order {ref}.",
            "tl": "Para sa seguridad ng inyong impormasyon, pakibigay po ang email na ginamit sa pag-order, o ang huling 4 na digit ng phone number sa order {ref}.",
        },
        OrderPhrase.NOT_FOUND: {
            "th": "ขออภัยค่ะ ไม่พบคำสั่งซื้อที่ตรงกับหมายเลขและข้อมูลที่แจ้งมา รบกวนตรวจสอบหมายเลขคำสั่งซื้อแล้วส่งมาอีกครั้งนะคะ",
            "id": "Maaf Kak, kami tidak menemukan pesanan yang cocok dengan nomor dan data tersebut. Mohon cek lagi nomor pesanannya lalu kirim ulang ya.",
            "ms": "Maaf, kami tidak menjumpai pesanan yang sepadan dengan nombor dan maklumat tersebut. Sila semak nombor pesanan dan hantar semula.",
            "vi": "Xin lỗi, mình không tìm thấy đơn hàng nào khớp với mã và thông tin bạn gửi. Bạn kiểm tra lại mã đơn hàng rồi gửi lại giúp mình nhé.",
            "zh": "抱歉亲，没有找到与该订单号和信息相符的订单，请核对订单号后再发一次哦。",
            "en": "Sorry, I couldn't find an order matching that number and those details. Please check the order number and send it again.",
            "tl": "Pasensya na po, wala po akong nakitang order na tugma sa number at detalyeng iyon. Paki-check po ulit ang order number at ipadala muli.",
        },
        OrderPhrase.UNAVAILABLE: {
            "th": 'ขออภัยค่ะ ตอนนี้ระบบคำสั่งซื้อของ {name} ไม่สามารถตรวจสอบได้ชั่วคราว หากต้องการให้เจ้าหน้าที่ช่วยดูให้ พิมพ์ "ติดต่อเจ้าหน้าที่" ได้เลยค่ะ',
            "id": 'Maaf Kak, sistem pesanan {name} sedang tidak bisa dicek saat ini. Kalau mau dibantu petugas kami, ketik "bicara dengan CS" ya.',
            "ms": 'Maaf, sistem pesanan {name} tidak dapat disemak buat masa ini. Jika mahu dibantu oleh wakil kami, taip "bercakap dengan wakil".',
            "vi": 'Xin lỗi, hiện mình chưa kiểm tra được hệ thống đơn hàng của {name}. Nếu bạn muốn nhân viên hỗ trợ, hãy nhắn "gặp nhân viên" nhé.',
            "zh": "抱歉亲，{name}的订单系统暂时无法查询。如需人工客服帮您查看，请回复「转人工」哦。",
            "en": "Sorry, I can't check {name}'s order system right now. If you'd like a person from our team to look into it, reply \"talk to a person\".",
            "tl": 'Pasensya na po, hindi ko po ma-check ang order system ng {name} ngayon. Kung gusto ninyong may tumulong na tao mula sa aming team, i-reply lang po ang "kausapin ang tao".',
        },
        OrderPhrase.RATE_LIMITED: {
            "th": 'ขออภัยค่ะ มีการตรวจสอบคำสั่งซื้อหลายครั้งเกินไป รบกวนลองใหม่ภายหลัง หรือพิมพ์ "ติดต่อเจ้าหน้าที่" เพื่อให้เจ้าหน้าที่ช่วยค่ะ',
            "id": 'Maaf Kak, pengecekan pesanan sudah terlalu sering. Silakan coba lagi nanti, atau ketik "bicara dengan CS" untuk dibantu petugas kami.',
            "ms": 'Maaf, semakan pesanan telah dibuat terlalu kerap. Sila cuba lagi kemudian, atau taip "bercakap dengan wakil" untuk bantuan.',
            "vi": 'Xin lỗi, bạn đã tra cứu đơn hàng quá nhiều lần. Vui lòng thử lại sau, hoặc nhắn "gặp nhân viên" để được hỗ trợ nhé.',
            "zh": "抱歉亲，查询订单的次数太多了，请稍后再试，或回复「转人工」由客服为您处理哦。",
            "en": 'Sorry, that\'s too many order lookups for now. Please try again later, or reply "talk to a person" and our team will help.',
            "tl": 'Pasensya na po, masyadong marami na ang pag-check ng order. Subukan po ulit mamaya, o i-reply ang "kausapin ang tao" para matulungan kayo ng aming team.',
        },
    }
)


def order_phrase(which: OrderPhrase, lang: str, *, name: str = "", ref: str = "", fallback_lang: str = "en") -> str:
    table = _PHRASES[which]
    text = table.get(lang) or table.get(fallback_lang) or table["en"]
    return text.replace("{name}", name).replace("{ref}", f"#{ref}" if ref else "").replace("  ", " ")
