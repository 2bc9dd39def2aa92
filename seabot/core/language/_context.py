"""Context priors: the platform's locale and the conversation's current language."""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("th", "id", "ms", "vi", "zh", "en", "tl")

_LOCALE_ALIASES = {
    "in": "id",  # Java's legacy code for Indonesian, still sent by some Android clients
    "ind": "id",
    "msa": "ms",
    "zsm": "ms",
    "may": "ms",
    "fil": "tl",
    "tgl": "tl",
    "tha": "th",
    "vie": "vi",
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",
    "yue": "zh",
    "eng": "en",
}

#: Chat tokens every language uses; a message made only of these says nothing new.
UNIVERSAL_TOKENS = frozenset(
    """ok okay oke okey okie okk k kk ya yaa yes yup yep yeap yeah yea no nope noted thanks thank
    thx tq ty tks tku hi hii hello helo hallo hey bye byebye lol haha hahaha hehe hihi xd sip
    sorry sry pls plz please cod ready done up""".split()
)

#: English as written in Singapore and Malaysia: discourse particles and interjections that
#: both Singlish/Manglish and Malay chat use (*can lah*, *ok lor*, *wah so late eh*, *alamak*).
#: They are no evidence against English; Malay content around them still makes a line Malay.
#: Laughter is here too (*hehe*, *haha*): it says nothing about the language (Indonesian
#: *wkwk* and Thai *555* are the specific kinds, handled apart).
REGIONAL_PARTICLES = frozenset(
    """la lah lahh laa lor lorh leh lei meh mah hor liao ah ahh eh ehh wah waa wahh alamak
    aiyo aiyoh aiyah aiya aiyer walao walau wlao sian shiok hmm hmmm hm erm uh oh ooh aww
    boss bro lmao oklah okla okok siao paiseh jialat kiasu chope lar le mm mmm hee heh""".split()
)

#: ... of which these are Singlish/Manglish only (Indonesian chat does not use them): a message
#: of chat tokens with one of these is not decided by a token's Indonesian lean (*ya lor*).
SINGLISH_PARTICLES = frozenset("lor lorh leh liao hor meh lar".split())

#: English chat abbreviations that no word list spells: scored as English words.
ENGLISH_ABBREVIATIONS = frozenset(
    """nvm tmr tmrw tml btw idk omg brb asap fyi abit wat coz cuz bcoz dunno wanna gonna lemme
    juz jus den oso gd nite noe dun oic prob omw cya ttyl thk hw""".split()
)

#: Chat tokens that carry no language on their own: universal ones and regional particles.
NEUTRAL_TOKENS = UNIVERSAL_TOKENS | REGIONAL_PARTICLES

#: ... of which these still lean to a language (Indonesian *ya/oke/sip*): with no conversation
#: or locale to go on, the word model decides them rather than English. (*tq* abbreviates
#: English "thank you": Singlish and Manglish use it as much as Malay chat does.)
LEANING_TOKENS = frozenset("ya yaa oke okey sip".split())


def locale_language(locale: str | None) -> str | None:
    """Map a platform locale (``ms-MY``, ``zh_Hans``, ``fil``, ``in``) to one of LANGUAGES."""
    if not isinstance(locale, str) or not locale:
        return None
    primary = locale.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _LOCALE_ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def conversation_language(lang: str | None) -> str | None:
    return lang if isinstance(lang, str) and lang in LANGUAGES else None
