"""Language detection for customer messages: th id ms vi zh en tl, or ``und``.

Script settles Thai and Chinese (and accented Vietnamese) cheaply; a word model with a
character-trigram fallback, shipped as data, separates the Latin-script languages; a marker
lexicon makes the Indonesian/Malay call; the platform locale and the conversation's language
act as priors. See ``NOTES.md`` in this package for the choice of model and its measurements.
"""

from ._context import LANGUAGES
from .detector import UNDETERMINED, Detection, LanguageDetector

__all__ = ["LANGUAGES", "UNDETERMINED", "Detection", "LanguageDetector"]
