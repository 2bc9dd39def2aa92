"""Every XML reply to WeChat parses back to exactly the text it carries (issue 11, item 4)."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from seabot.adapters.wechat.reply_xml import cdata, text_reply
from seabot.adapters.wechat.verify import Decryptor

AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"
# text XML can carry: no C0 controls but tab and newline, no surrogates, no U+FFFE/U+FFFF (a CR is
# carried too, but every XML parser reads it back as a newline: line-end normalisation, XML 1.0 §2.11)
xml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff",
                                 min_codepoint=0x09).filter(lambda c: c in "\t\n" or c >= " "))  # fmt: skip


def test_an_answer_with_cdata_end_stays_text() -> None:
    hostile = "ok ]]></Content><MsgType>news</MsgType><Content><![CDATA[pwned"
    root = fromstring(text_reply("oCustomer", "gh_shop", hostile, created_at=1))
    assert root.findtext("Content") == hostile
    assert root.findtext("MsgType") == "text" and len(root.findall("MsgType")) == 1
    assert [child.tag for child in root] == ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]


@given(text=xml_text)
def test_any_text_round_trips_through_cdata(text: str) -> None:
    assert (fromstring(f"<x>{cdata(text)}</x>").text or "") == text


def test_an_encrypted_reply_decrypts_to_the_same_text() -> None:
    hostile = "a]]>b]]]]>c"
    xml = text_reply("oCustomer", "gh_shop", hostile, created_at=1)
    envelope = Decryptor("tok", AES_KEY, "wxapp").encrypt(xml, nonce="n]]>1", timestamp="1700000000")
    root = fromstring(envelope)
    assert root.findtext("Nonce") == "n]]>1" and root.findtext("TimeStamp") == "1700000000"
    crypto = WeChatCrypto("tok", AES_KEY, "wxapp")
    plain = crypto.decrypt_message(envelope, root.findtext("MsgSignature"), "1700000000", "n]]>1")
    assert fromstring(plain).findtext("Content") == hostile
