"""Language detection for customer messages: th id ms vi zh en tl, or ``und``.

Script settles Thai and Chinese (and accented Vietnamese) cheaply; a word model with a
character-trigram fallback, shipped as data, separates the Latin-script languages; word and
word-pair statistics learnt from real informal Malaysian and Indonesian text and a marker
lexicon make the Indonesian/Malay call; Singlish/Manglish particles and laughter are neutral;
the platform locale, the conversation's language and its earlier messages act as priors. See
``NOTES.md`` in this package for the choice of model and its measurements.
"""

from ._context import LANGUAGES
from .detector import UNDETERMINED, Detection, LanguageDetector

__all__ = ["LANGUAGES", "UNDETERMINED", "Detection", "LanguageDetector"]
