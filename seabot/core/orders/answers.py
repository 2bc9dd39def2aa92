"""The templated answer to a plain order-status question, in the customer's language.

Built from the order record alone (status, items, carrier, tracking number and link, ETA):
no model call, nothing invented. Shop-provided text (item names, carrier) is cleaned of
control characters and cut to a sane length; a tracking link is shown only if it is http(s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from seabot.core.orders.records import Order, OrderStatus

__all__ = ["render_order", "clean_text", "safe_url"]

MAX_ITEMS_SHOWN = 5
MAX_FIELD_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


@dataclass(frozen=True, slots=True)
class _Labels:
    order: str  # "{ref}" is replaced
    status: dict[OrderStatus, str]
    items: str
    more: str  # "{n}" is replaced
    carrier: str
    tracking: str
    link: str
    eta: str
    months: tuple[str, ...] | None  # None: numeric dates in this language's own order
    date_format: str  # "{d}", "{m}" (two digits), "{n}", "{mon}", "{y}" are replaced


_S = OrderStatus
_LABELS: dict[str, _Labels] = {
    "en": _Labels(
        "Order {ref}", {_S.PENDING: "waiting for payment", _S.PAID: "paid, being prepared", _S.PACKED: "packed, ready to ship",
         _S.SHIPPED: "shipped", _S.OUT_FOR_DELIVERY: "out for delivery today", _S.DELIVERED: "delivered",
         _S.CANCELLED: "cancelled", _S.RETURNED: "returned", _S.REFUNDED: "refunded"},
        "Items", "and {n} more", "Carrier", "Tracking number", "Track it here", "Expected delivery",
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), "{d} {mon} {y}"),
    "id": _Labels(
        "Pesanan {ref}", {_S.PENDING: "menunggu pembayaran", _S.PAID: "sudah dibayar, sedang disiapkan",
         _S.PACKED: "sudah dikemas, siap dikirim", _S.SHIPPED: "sudah dikirim", _S.OUT_FOR_DELIVERY: "sedang diantar kurir hari ini",
         _S.DELIVERED: "sudah diterima", _S.CANCELLED: "dibatalkan", _S.RETURNED: "dikembalikan", _S.REFUNDED: "dananya sudah dikembalikan"},
        "Barang", "dan {n} lainnya", "Kurir", "Nomor resi", "Lacak di sini", "Perkiraan tiba",
        ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"), "{d} {mon} {y}"),
    "ms": _Labels(
        "Pesanan {ref}", {_S.PENDING: "menunggu pembayaran", _S.PAID: "sudah dibayar, sedang disediakan",
         _S.PACKED: "sudah dibungkus, sedia untuk dihantar", _S.SHIPPED: "sudah dihantar", _S.OUT_FOR_DELIVERY: "dalam penghantaran hari ini",
         _S.DELIVERED: "sudah diterima", _S.CANCELLED: "dibatalkan", _S.RETURNED: "dipulangkan", _S.REFUNDED: "bayaran sudah dikembalikan"},
        "Barang", "dan {n} lagi", "Kurier", "Nombor penjejakan", "Jejak di sini", "Jangkaan tiba",
        ("Jan", "Feb", "Mac", "Apr", "Mei", "Jun", "Jul", "Ogo", "Sep", "Okt", "Nov", "Dis"), "{d} {mon} {y}"),
    "tl": _Labels(
        "Order {ref}", {_S.PENDING: "naghihintay ng bayad", _S.PAID: "bayad na, inihahanda na", _S.PACKED: "naka-pack na, handa nang i-ship",
         _S.SHIPPED: "na-ship na", _S.OUT_FOR_DELIVERY: "out for delivery na ngayong araw", _S.DELIVERED: "na-deliver na",
         _S.CANCELLED: "na-cancel", _S.RETURNED: "naibalik na", _S.REFUNDED: "na-refund na"},
        "Items", "at {n} pa", "Courier", "Tracking number", "I-track dito", "Inaasahang darating",
        ("Ene", "Peb", "Mar", "Abr", "May", "Hun", "Hul", "Ago", "Set", "Okt", "Nob", "Dis"), "{mon} {d}, {y}"),
    "vi": _Labels(
        "Đơn hàng {ref}", {_S.PENDING: "đang chờ thanh toán", _S.PAID: "đã thanh toán, đang chuẩn bị hàng",
         _S.PACKED: "đã đóng gói, sẵn sàng giao", _S.SHIPPED: "đã giao cho đơn vị vận chuyển", _S.OUT_FOR_DELIVERY: "đang được giao hôm nay",
         _S.DELIVERED: "đã giao thành công", _S.CANCELLED: "đã hủy", _S.RETURNED: "đã hoàn trả", _S.REFUNDED: "đã hoàn tiền"},
        "Sản phẩm", "và {n} sản phẩm khác", "Đơn vị vận chuyển", "Mã vận đơn", "Theo dõi tại đây", "Dự kiến giao",
        None, "{d}/{m}/{y}"),
    "th": _Labels(
        "คำสั่งซื้อ {ref}", {_S.PENDING: "รอการชำระเงิน", _S.PAID: "ชำระเงินแล้ว กำลังเตรียมสินค้า", _S.PACKED: "แพ็กสินค้าแล้ว รอส่ง",
         _S.SHIPPED: "จัดส่งแล้ว", _S.OUT_FOR_DELIVERY: "กำลังนำส่งวันนี้", _S.DELIVERED: "จัดส่งถึงแล้ว",
         _S.CANCELLED: "ยกเลิกแล้ว", _S.RETURNED: "คืนสินค้าแล้ว", _S.REFUNDED: "คืนเงินแล้ว"},
        "สินค้า", "และอีก {n} รายการ", "ขนส่ง", "เลขพัสดุ", "ติดตามพัสดุได้ที่", "คาดว่าจะได้รับ",
        None, "{d}/{m}/{y}"),
    "zh": _Labels(
        "订单 {ref}", {_S.PENDING: "待付款", _S.PAID: "已付款，正在备货", _S.PACKED: "已打包，等待发货", _S.SHIPPED: "已发货",
         _S.OUT_FOR_DELIVERY: "今天正在派送", _S.DELIVERED: "已签收", _S.CANCELLED: "已取消", _S.RETURNED: "已退货",
         _S.REFUNDED: "已退款"},
        "商品", "另有{n}件商品", "快递公司", "快递单号", "物流查询", "预计送达",
        None, "{y}年{n}月{d}日"),
}  # fmt: skip
_COLON = {"zh": "：", "th": ": "}


def clean_text(value: str | None, limit: int = MAX_FIELD_CHARS) -> str:
    """Shop text made safe to show: controls and bidi overrides removed, one line, at most ``limit``."""
    if not value:
        return ""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_url(value: str | None) -> str | None:
    if not value:
        return None
    url = value.strip()
    if re.fullmatch(r"https?://[^\s<>\"'\x00-\x1f]{1,500}", url):
        return url
    return None


def _date(value: date, labels: _Labels) -> str:
    mon = labels.months[value.month - 1] if labels.months else ""
    return labels.date_format.format(d=value.day, m=f"{value.month:02d}", mon=mon, y=value.year, n=value.month)


def render_order(order: Order, lang: str) -> str:
    """The order card in ``lang`` (English when the language has no template)."""
    labels = _LABELS.get(lang, _LABELS["en"])
    colon = _COLON.get(lang, ": ")
    lines = [f"{labels.order.format(ref='#' + order.ref)}{colon}{labels.status[order.status]}"]
    if order.items:
        shown = [f"{item.quantity} × {clean_text(item.name)}" for item in order.items[:MAX_ITEMS_SHOWN]]
        rest = len(order.items) - len(shown)
        if rest > 0:
            shown.append(labels.more.format(n=rest))
        lines.append(f"{labels.items}{colon}{', '.join(shown)}")
    if order.carrier:
        lines.append(f"{labels.carrier}{colon}{clean_text(order.carrier)}")
    if order.tracking_number:
        lines.append(f"{labels.tracking}{colon}{clean_text(order.tracking_number, 60)}")
    url = safe_url(order.tracking_url)
    if url:
        lines.append(f"{labels.link}{colon}{url}")
    if order.eta and order.status not in (_S.DELIVERED, _S.CANCELLED, _S.RETURNED, _S.REFUNDED):
        lines.append(f"{labels.eta}{colon}{_date(order.eta, labels)}")
    return "\n".join(lines)
