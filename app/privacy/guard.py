"""Personal-data guard: refuses free-text notes that could identify a visitor.

The Cité des Métiers is anonymous by charter, so the few free-text fields (short notes)
are screened before they are stored. Detection favours recall on the kinds of data a
counsellor might type by reflex (phone, e-mail, social-security and other identifiers, IBAN
and RIB, address, birth date, a person's name) while leaving the ordinary numbers of a
counselling note (durations, years, postcodes, prices, diploma levels, RNCP, ROME or APE
codes, service numbers) alone.

Two layers: rules (regular expressions built from the word lists of app.privacy.rules,
which the browser twin guard.js shares), then, for person names without any cue, spaCy's
small French model (app.privacy.ner), filtered by the allowlist and by the names of
institutions, places and tools it tends to mistake for persons.

Pure Python (no Flask import) so it can run in forms, the API, imports and scripts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher
from stdnum import iban as _iban
from stdnum import numdb
from stdnum.iso7064 import mod_97_10

from app.privacy import ner as _ner
from app.privacy import rules as R

__all__ = [
    "KINDS",
    "LABELS",
    "Finding",
    "PersonalDataFound",
    "check_text",
    "ensure_clean",
    "format_message",
]

LABELS: dict[str, str] = {
    "email": "une adresse e-mail",
    "phone": "un numéro de téléphone",
    "nir": "un numéro de sécurité sociale",
    "iban": "un IBAN",
    "rib": "un RIB",
    "france_travail_id": "un identifiant France Travail",
    "caf_number": "un numéro d'allocataire CAF",
    "passport": "un numéro de passeport",
    "residence_permit": "un numéro de titre de séjour",
    "plate": "une plaque d'immatriculation",
    "social": "un compte de réseau social",
    "address": "une adresse postale",
    "birth_date": "une date de naissance",
    "name": "un nom de personne",
}
# Order of precedence when two findings overlap: the most specific kind wins.
KINDS: tuple[str, ...] = (
    "nir", "iban", "rib", "passport", "residence_permit", "france_travail_id", "caf_number",
    "plate", "email", "social", "phone", "birth_date", "address", "name",
)
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind, French label and [start, end) offsets."""

    kind: str
    label: str
    start: int
    end: int


def format_message(findings: Sequence[Finding]) -> str:
    """Build the French refusal message; it never quotes the offending text."""
    parts = [f"{f.label} (caractères {f.start + 1} à {f.end})" for f in findings]
    if len(parts) == 1:
        return (
            f"Donnée personnelle détectée : {parts[0]}. "
            "Retirez-la avant d'enregistrer."
        )
    return (
        f"Données personnelles détectées : {' ; '.join(parts)}. "
        "Retirez-les avant d'enregistrer."
    )


class PersonalDataFound(ValueError):
    """Raised by ensure_clean when a note holds personal data."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings: list[Finding] = list(findings)
        super().__init__(format_message(self.findings))

    def __reduce__(self) -> tuple[type[PersonalDataFound], tuple[list[Finding]]]:
        # Keeps the exception picklable (e.g. across worker processes).
        return (type(self), (self.findings,))


# --------------------------------------------------------------------------------------
# Normalisation: a cleaned copy of the text plus a map back to the original offsets.

_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_CHAR_MAP: dict[str, str] = {c: " " for c in _SPACES}
_CHAR_MAP.update({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"})
_CHAR_MAP.update({c: "'" for c in "\u2018\u2019\u201b\u02bc\u00b4\u0060\u2032"})
_CHAR_MAP.update({c: "" for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})
_CHAR_MAP.update({"\u2024": ".", "\uff0e": ".", "\u3002": ".", "\uff20": "@", "\ufe6b": "@"})


def _normalise(text: str) -> tuple[str, list[int]]:
    """Return a cleaned copy of text and, per cleaned char, its index in text."""
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        mapped = _CHAR_MAP.get(char)
        if mapped is None:
            code = ord(char)
            if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII, e.g. pasted from a PDF
                mapped = chr(code - 0xFEE0)
            elif code >= 0x300 and unicodedata.combining(char):
                mapped = ""  # decomposed accents would split words in two
            else:
                mapped = char
        if mapped:
            out.append(mapped)
            index.append(i)
    return "".join(out), index


# --------------------------------------------------------------------------------------
# Character classes (Python's re has no \p{Lu}).

_UP = "A-ZÀ-ÖØ-ÞŒŸ"
_LO = "a-zß-öø-ÿœ"
_LETTER = _UP + _LO
_NOT_WORD_BEFORE = r"(?<![\w])"
_NOT_WORD_AFTER = r"(?![\w])"

# --------------------------------------------------------------------------------------
# E-mail addresses, plain and obfuscated.

_KNOWN_TLDS = (
    "com|fr|net|org|eu|info|io|biz|pro|me|co|uk|be|ch|ca|de|es|it|pt|nl|lu|mc|us|edu|"
    "ma|dz|tn|sn|ci|cm|ml|re|gp|mq|yt|nc|pf|gf|pm"
)
_PROVIDERS = (
    "gmail|googlemail|hotmail|yahoo|outlook|orange|free|laposte|icloud|live|wanadoo|sfr|"
    "gmx|protonmail|proton|aol|msn|neuf|bbox|numericable|club-internet"
)
_AT = (
    r"(?:\s*(?:@|[\[({<]\s*(?:at|@|arobase|arobas|arrobase)\s*[\])}>])\s*"
    r"|\s+(?:at|arobase|arobas|arrobase|a\s+commercial)\s+)"
)
_DOT = (
    r"(?:\s*(?:\.|[\[({<]\s*(?:dot|point|pt|\.)\s*[\])}>])\s*"
    r"|\s+(?:dot|point)\s+)"
)
_LOCAL = r"[^\W_][\w.%+'\-]*"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
_EMAIL_RES = (
    re.compile(  # plain form, any TLD
        rf"{_NOT_WORD_BEFORE}{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,24}}{_NOT_WORD_AFTER}",
        re.IGNORECASE,
    ),
    re.compile(  # obfuscated separators, known TLDs only
        rf"{_NOT_WORD_BEFORE}{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*?{_DOT}(?:{_KNOWN_TLDS}){_NOT_WORD_AFTER}",
        re.IGNORECASE,
    ),
    re.compile(  # a webmail provider without its TLD
        rf"{_NOT_WORD_BEFORE}{_LOCAL}{_AT}(?:{_PROVIDERS}){_NOT_WORD_AFTER}",
        re.IGNORECASE,
    ),
    re.compile(  # any literal word@word: "@" is almost never innocent in a note
        rf"{_NOT_WORD_BEFORE}{_LOCAL}@[^\W_][\w\-]+",
        re.IGNORECASE,
    ),
)
_AT_ONLY = re.compile(_AT, re.IGNORECASE)
_DOT_ONLY = re.compile(_DOT, re.IGNORECASE)


def _canonical_email(value: str) -> str:
    """Collapse an e-mail, obfuscated or not, to lower-case user@domain.tld."""
    value = _AT_ONLY.sub("@", value.strip().lower(), count=1)
    value = _DOT_ONLY.sub(".", value)
    return re.sub(r"\s+", "", value)


# --------------------------------------------------------------------------------------
# Phone numbers: libphonenumber on the text and on a variant with typos fixed.

_DIGIT = re.compile(r"[0-9]")
# A letter O standing for a zero: alone (not inside a word) and touching a digit.
_O_AS_ZERO = re.compile(
    rf"(?<![{_LETTER}])[Oo](?![{_LETTER}])(?=[ .\-/]?[0-9])"
    rf"|(?<=[0-9])[Oo](?![{_LETTER}])"
    rf"|(?<=[0-9][ .\-/])[Oo](?![{_LETTER}])"
)
# Separators that libphonenumber does not accept inside a number.
_ODD_SEPARATORS = re.compile(r"(?<=[0-9])[,_/|\\·•*~:;]+(?=\s*[0-9Oo])")


def _phone_variant(text: str) -> str:
    """Same-length copy of text with O-for-0 typos and odd separators repaired."""
    text = _O_AS_ZERO.sub("0", text)
    return _ODD_SEPARATORS.sub(lambda m: " " * len(m.group()), text)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    """Format a parsed number as E.164."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _find_phones(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, e164) for every valid phone number in text."""
    variant = _phone_variant(text)
    if len(_DIGIT.findall(variant)) < 8:  # cheap exit: no phone fits in fewer digits
        return []
    found: dict[tuple[int, int], str] = {}
    for candidate in (text, variant) if variant != text else (text,):
        for match in PhoneNumberMatcher(candidate, "FR", leniency=Leniency.VALID):
            if not _is_public_service(match.number):
                found.setdefault((match.start, match.end), _e164(match.number))
    return [(start, end, e164) for (start, end), e164 in found.items()]


def _is_public_service(number: phonenumbers.PhoneNumber) -> bool:
    """Tell free and shared-cost service lines (0 800 to 0 899) from a person's number."""
    national = "0" + phonenumbers.national_significant_number(number)
    return number.country_code == 33 and national.startswith(R.PUBLIC_PHONE_PREFIXES)


def _alt(fragments: Iterable[str]) -> str:
    """Join regex fragments into one alternation, longest first."""
    return "|".join(sorted(fragments, key=len, reverse=True))


def _word_alt(words: Iterable[str]) -> str:
    """Join plain words into one alternation, escaped, longest first."""
    return _alt(re.escape(word) for word in words)


# Phone numbers written in words: "zéro six douze trente-quatre cinquante-six...".
_NUMBER_TOKEN = rf"(?:{_alt(R.NUMBER_WORDS)}|[0-9]{{1,2}})"
_NUMBER_RUN_RE = re.compile(
    rf"(?i:(?<![\w]){_NUMBER_TOKEN}(?:[\s\-,.]+(?:et[\s\-]+)?{_NUMBER_TOKEN})+(?![\w]))"
)
_ZERO_WORD = re.compile(r"(?i:z[ée]ro|0)$")
_PHONE_CUE_BEFORE = re.compile(rf"(?i:(?<![\w])(?:{_alt(R.PHONE_CUES)})(?![\w])[^.;!?]{{0,25}})$")


def _find_phone_words(text: str) -> list[tuple[int, int]]:
    """Return spans of phone numbers spelt in words, starting with "zéro" or after a cue."""
    spans = []
    for match in _NUMBER_RUN_RE.finditer(text):
        tokens = re.findall(rf"(?i:{_NUMBER_TOKEN})", match.group())
        words = [t for t in tokens if not t.isdigit()]
        starts_with_zero = bool(_ZERO_WORD.match(tokens[0]))
        cued = bool(_PHONE_CUE_BEFORE.search(text, 0, match.start()))
        if len(words) >= 2 and len(tokens) >= 5 and (starts_with_zero or cued and len(tokens) >= 6):
            spans.append(match.span())
    return spans


# --------------------------------------------------------------------------------------
# NIR (numéro de sécurité sociale): 15 characters, Corsica 2A/2B. Any key: a mistyped or
# invented key does not make the rest of the number less personal.

_SEP = r"[ .\-]{0,2}"
_NIR_SHAPE = re.compile(
    rf"{_NOT_WORD_BEFORE}[1-8](?:{_SEP}[0-9]){{4}}{_SEP}(?:[0-9]{_SEP}[0-9]|2{_SEP}[ABab])"
    rf"(?:{_SEP}[0-9]){{6}}(?:{_SEP}[0-9]{_SEP}[0-9])?{_NOT_WORD_AFTER}"
)


def _nir_shaped(value: str) -> bool:
    """Tell whether a 13- or 15-character run has a NIR's sex digit, month and key range."""
    compact = re.sub(r"[ .\-]", "", value).upper()
    if len(compact) not in (13, 15) or compact[0] not in "1278":
        return False
    month = int(compact[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    # Thirteen characters without separators are too easily another number.
    return len(compact) == 15 or value != compact


# --------------------------------------------------------------------------------------
# Other identifiers: a RIB, France Travail and CAF numbers, passports, residence permits,
# number plates. Shapes specific enough stand alone; the others need their cue.

_RIB_SHAPE = re.compile(
    rf"{_NOT_WORD_BEFORE}[0-9]{{5}}[ .\-]?[0-9]{{5}}[ .\-]?[0-9A-Za-z]{{11}}[ .\-]?[0-9]{{2}}{_NOT_WORD_AFTER}"
)
_NO = r"(?:\s*(?:n°|n[o°º]\.?|num[ée]ro|num\.?|#)\s*)?\s*[:=]?\s*"
_RIB_CUE_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.RIB_CUES)}){_NOT_WORD_AFTER}{_NO})"
    r"(?P<value>[0-9A-Za-z](?:[ .\-]?[0-9A-Za-z]){14,30})(?![\w])"
)
_FT = r"(?:france\s*travail|p[ôo]le[\s\-]*emploi|ft|pe)"
_FT_ID_RES = (
    # 7 digits and a letter: the France Travail identifier's own shape.
    re.compile(rf"{_NOT_WORD_BEFORE}[0-9]{{7}}[A-Z]{_NOT_WORD_AFTER}"),
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}(?:(?:{_alt(R.FRANCE_TRAVAIL_CUES)})(?:\s+{_FT})?|{_FT}){_NO})"
        rf"(?P<value>[0-9]{{7}}[0-9A-Za-z]?|[0-9]{{11}}){_NOT_WORD_AFTER}"
    ),
)
_CAF_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.CAF_CUES)}){_NOT_WORD_AFTER}(?:\s+(?:de|d'|du)?\s*[{_LETTER}\-]+)?{_NO})"
    rf"(?P<value>(?:[0-9]{{2,3}}\s)?[0-9]{{6,8}}[A-Za-z]?){_NOT_WORD_AFTER}"
)
_PASSPORT_RES = (
    # French passports: two digits, two letters, five digits.
    re.compile(rf"{_NOT_WORD_BEFORE}[0-9]{{2}}[A-Z]{{2}}[0-9]{{5}}{_NOT_WORD_AFTER}"),
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.PASSPORT_CUES)}){_NOT_WORD_AFTER}(?:\s+[{_LETTER}]+){{0,2}}{_NO})"
        r"(?P<value>(?=(?:[A-Za-z]*[0-9]){4})[0-9A-Za-z]{6,12})(?![\w])"
    ),
)
_PERMIT_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.RESIDENCE_PERMIT_CUES)}){_NOT_WORD_AFTER}(?:\s+[{_LETTER}']+){{0,3}}{_NO})"
    r"(?P<value>(?=(?:[A-Za-z ]*[0-9]){8})[0-9A-Za-z](?:[ ]?[0-9A-Za-z]){7,14})(?![\w])"
)
_PLATE_LETTERS = "A-HJ-NP-TV-Z"
_PLATE_RES = (
    # Since 2009: AB-123-CD (dashes or spaces, or none in capitals).
    re.compile(
        rf"{_NOT_WORD_BEFORE}(?:[{_PLATE_LETTERS}]{{2}}[\- ][0-9]{{3}}[\- ][{_PLATE_LETTERS}]{{2}}"
        rf"|[{_PLATE_LETTERS}]{{2}}[0-9]{{3}}[{_PLATE_LETTERS}]{{2}}){_NOT_WORD_AFTER}"
    ),
    # Before 2009, after a cue: 1234 AB 13.
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.PLATE_CUES)}){_NOT_WORD_AFTER}"
        rf"[^.;\n]{{0,20}}?)(?P<value>[0-9]{{1,4}}[ \-]?[A-Z]{{1,3}}[ \-]?(?:[0-9]{{2}}|2A|2B|97[1-6]))"
        rf"{_NOT_WORD_AFTER}"
    ),
)
# Social media: profile links and @handles (institutions' public accounts excepted).
_SOCIAL_LINK_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:https?://)?(?:www\.)?(?:{_alt(R.SOCIAL_SITES)})/?[^\s,;()<>]+)"
)
_HANDLE_RE = re.compile(r"(?<![\w.@/])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])")


def _find_identifiers(text: str) -> list[tuple[str, int, int]]:
    """Return (kind, start, end) of RIBs, France Travail, CAF, passport, permit numbers, plates."""
    found: list[tuple[str, int, int]] = []
    found.extend(("rib", *m.span()) for m in _RIB_SHAPE.finditer(text))
    found.extend(("rib", m.start(), m.end("value")) for m in _RIB_CUE_RE.finditer(text)
                 if sum(c.isdigit() for c in m.group("value")) >= 15)
    found.extend(("france_travail_id", *m.span()) for m in _FT_ID_RES[0].finditer(text))
    found.extend(("france_travail_id", m.start(), m.end("value")) for m in _FT_ID_RES[1].finditer(text))
    found.extend(("caf_number", m.start(), m.end("value")) for m in _CAF_RE.finditer(text))
    found.extend(("passport", *m.span()) for m in _PASSPORT_RES[0].finditer(text))
    found.extend(("passport", m.start(), m.end("value")) for m in _PASSPORT_RES[1].finditer(text))
    found.extend(("residence_permit", m.start(), m.end("value")) for m in _PERMIT_RE.finditer(text))
    found.extend(("plate", *m.span()) for m in _PLATE_RES[0].finditer(text))
    found.extend(("plate", m.start("value"), m.end("value")) for m in _PLATE_RES[1].finditer(text))
    found.extend(("social", *m.span()) for m in _SOCIAL_LINK_RE.finditer(text))
    for match in _HANDLE_RE.finditer(text):
        handle = match.group("handle").lower()
        if not any(public in handle for public in R.PUBLIC_HANDLES):
            found.append(("social", *match.span()))
    return found


# --------------------------------------------------------------------------------------
# IBAN: country code, check digits, then groups; the checksum is validated.

_IBAN_SHAPE = re.compile(
    rf"{_NOT_WORD_BEFORE}[A-Za-z]{{2}}[0-9]{{2}}(?:[ \-.]?[A-Za-z0-9]{{1,4}}){{3,9}}{_NOT_WORD_AFTER}"
)
_IBAN_DB = numdb.get("iban")


def _valid_iban(compact: str) -> bool:
    """Check an IBAN; countries missing from stdnum's registry get the mod-97 check only."""
    if not 15 <= len(compact) <= 34 or not compact[2:4].isdigit():
        return False
    if _iban.is_valid(compact, check_country=False):
        return True
    # Morocco, Algeria, Senegal... use IBAN-format account numbers outside the registry.
    known = bool(_IBAN_DB.info(compact)[0][1])
    return not known and mod_97_10.is_valid(compact[4:] + compact[:4])


def _find_ibans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return (valid IBAN spans, every IBAN-shaped span)."""
    valid: list[tuple[int, int]] = []
    shaped: list[tuple[int, int]] = []
    for match in _IBAN_SHAPE.finditer(text):
        groups = list(re.finditer(r"[A-Za-z0-9]+", match.group()))
        if sum(g.end() - g.start() for g in groups) < 15:
            continue
        if sum(c.isdigit() for c in match.group()) >= 10:
            shaped.append(match.span())
        # The shape may run into the next word: try the longest prefix of groups first.
        for last in range(len(groups), 0, -1):
            end = match.start() + groups[last - 1].end()
            compact = re.sub(r"[^A-Za-z0-9]", "", text[match.start() : end]).upper()
            if len(compact) < 15:
                break
            if _valid_iban(compact):
                valid.append((match.start(), end))
                break
    return valid, shaped


# --------------------------------------------------------------------------------------
# Shared vocabulary.

# Words that follow a civility or an intro phrase without being a person's name.
_NOT_A_NAME = frozenset(R.NOT_A_NAME)
# Nouns before "s'appelle"/"nommé" that show the subject is a thing, not a person.
_THING_SUBJECTS = frozenset(R.THING_SUBJECTS)
# Nouns before "est né en 2022" that show a project, not a person, was born.
_BORN_THINGS = frozenset(R.BORN_THINGS)
_BORN_SUBJECTS = _THING_SUBJECTS | _BORN_THINGS


def _preceded_by(text: str, position: int, nouns: frozenset[str], *, words: int) -> bool:
    """Tell whether one of nouns is among the last few words before position."""
    before = re.findall(rf"[{_LETTER}]+", text[max(0, position - 50) : position].lower())
    return any(word in nouns for word in before[-words:])


# --------------------------------------------------------------------------------------
# Street addresses: a number, a street type, a street name.

_NUM = r"(?<![\w.,/'])[0-9]{1,4}(?:\s?(?:bis|ter|quater|[a-dA-D])(?![\w]))?\s*,?\s*"
# Types that, after a number, mean a street whatever follows.
_STREET_STRONG = _alt(R.STREET_STRONG)
# Types that are also ordinary words ("1 route possible"): need "de ..." or a proper name.
_STREET_MEDIUM = _alt(R.STREET_MEDIUM)
# Types that are also ordinary words ("2 cours de français"): need a proper name.
_STREET_WEAK = _alt(R.STREET_WEAK)
_CONNECTOR = rf"(?:(?i:{_alt(R.STREET_CONNECTORS)})[\s\-]*)"
_CAP_WORD = rf"[{_UP}][{_LETTER}'\-]*[{_LETTER}]"
_ANY_WORD = rf"[{_LETTER}0-9][{_LETTER}0-9'\-]*"
_TAIL = rf"(?:[\s\-]+{_CONNECTOR}*{_CAP_WORD}){{0,4}}"
_ADDRESS_STRONG_RE = re.compile(
    rf"{_NUM}(?i:{_STREET_STRONG})(?![\w])\s*{_CONNECTOR}*{_ANY_WORD}{_TAIL}"
)
_ADDRESS_MEDIUM_RE = re.compile(
    rf"{_NUM}(?i:{_STREET_MEDIUM})(?![\w])\s*(?:{_CONNECTOR}+{_ANY_WORD}|{_CAP_WORD}){_TAIL}"
)
_ADDRESS_WEAK_RE = re.compile(
    rf"{_NUM}(?i:{_STREET_WEAK})(?![\w])\s*{_CONNECTOR}*(?P<name>{_CAP_WORD}){_TAIL}"
)
# Capitalised words that follow "1 place" or "2 cours" in ordinary notes.
_NOT_A_STREET = frozenset(R.NOT_A_STREET)

# Without a number: a street after a cue that says the visitor lives there.
_STREET_ANY = _alt(R.STREET_STRONG + R.STREET_MEDIUM + R.STREET_WEAK)
_ADDRESS_CUE_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.ADDRESS_CUES)}){_NOT_WORD_AFTER}"
    rf"\s*[:,]?(?:\s*[:,]?\s*(?:au|aux|à|a|en|sur|dans|chez|vers|du|de|d'|la|le|l'|les|une|un|même|meme|toujours)(?![\w]))*)"
    rf"\s*(?P<type>(?i:{_STREET_ANY}))(?![\w])\s*(?P<name>{_CONNECTOR}*{_ANY_WORD}){_TAIL}"
)
_WEAK_TYPES = re.compile(rf"(?i:{_STREET_WEAK})$")
# A flat, a building and a residence named together, or a flat number on its own.
_FLAT_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.FLAT_WORDS)}){_NOT_WORD_AFTER}\s*(?:n°|n[o°º]\.?|num[ée]ro)?\s*)"
    r"[0-9]{1,4}[A-Za-z]?(?![\w])(?!\s*(?:pi[èe]ces?|p\b|chambres?|m2|m²|m\b|ans?\b|mois|personnes?|%))"
)
_BUILDING_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.BUILDING_WORDS)}){_NOT_WORD_AFTER}\s*(?:n°)?\s*)"
    r"(?:[A-Z]|[0-9]{1,3})(?![\w])"
)
_RESIDENCE_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.RESIDENCE_WORDS)}){_NOT_WORD_AFTER})\s*"
    rf"(?:{_CONNECTOR}*)(?P<name>{_CAP_WORD}){_TAIL}"
)


def _find_addresses_without_number(text: str) -> list[tuple[int, int]]:
    """Return spans of streets after a living cue and of flat/building/residence groups."""
    spans = []
    for match in _ADDRESS_CUE_RE.finditer(text):
        name = re.split(r"[\s\-]+", match.group("name").strip())[-1]
        if _WEAK_TYPES.match(match.group("type")) and not name[:1].isupper():
            continue  # "vit dans la cité" names no street; "habite cité Félix Pyat" does
        if name.lower() in _NOT_A_STREET:
            continue
        spans.append(match.span())
    flats = [m.span() for m in _FLAT_RE.finditer(text)]
    spans.extend(flats)
    parts = [m.span() for m in _BUILDING_RE.finditer(text)]
    parts.extend(m.span() for m in _RESIDENCE_RE.finditer(text)
                 if m.group("name").lower() not in _NOT_A_STREET | {"métiers", "metiers"})
    # A building letter or a residence name alone is common ("atelier au bâtiment B");
    # together, or beside a flat number, they locate a home.
    for span in parts:
        if any(other != span and abs(other[0] - span[1]) <= 40 and abs(span[0] - other[1]) <= 40
               for other in parts + flats):
            spans.append(span)
    return spans


def _find_addresses(text: str) -> list[tuple[int, int]]:
    """Return spans of street addresses that carry a number."""
    spans = [m.span() for m in _ADDRESS_STRONG_RE.finditer(text)]
    spans.extend(m.span() for m in _ADDRESS_MEDIUM_RE.finditer(text))
    spans.extend(
        m.span()
        for m in _ADDRESS_WEAK_RE.finditer(text)
        if m.group("name").lower() not in _NOT_A_STREET and m.group("name").lower() not in _NOT_A_NAME
    )
    spans.extend(_find_addresses_without_number(text))
    return spans


# --------------------------------------------------------------------------------------
# Dates of birth: a date is only personal when a cue says it is a birth date.

_MONTHS = _alt(R.MONTHS)
_YEAR = r"(?:1[89][0-9]{2}|20[0-9]{2})"
_DATE = (
    r"(?:"
    r"[0-3]?[0-9]\s?[/.\-]\s?[01]?[0-9](?:\s?[/.\-]\s?(?:[0-9]{4}|[0-9]{2}))?(?![0-9])"
    r"|[0-3]?[0-9]\s[01]?[0-9]\s(?:[0-9]{4}|[0-9]{2})(?![0-9])"
    r"|[0-3][0-9][01][0-9](?:19|20)[0-9]{2}(?![0-9])"
    rf"|{_YEAR}[\-/.][01]?[0-9][\-/.][0-3]?[0-9](?![0-9])"
    rf"|(?:1er|premier|[0-3]?[0-9])\s*(?:{_MONTHS})(?:\s*,?\s*(?:[0-9]{{4}}|'?[0-9]{{2}}))?(?![\w])"
    rf"|(?:{_MONTHS})\s+(?:[0-3]?[0-9],?\s+)?{_YEAR}"
    r")"
)
# What may sit between "date de naissance" and the date: "du visiteur :", "(JJ/MM/AAAA) :"...
_BIRTH_FILLER = (
    r"\s*(?:\([^)]{0,20}\)\s*)?"
    rf"(?:(?:du|de\s+la|de\s+l'|de|d'|of\s+the|of)\s*[{_LETTER}'\-]+\s*)?"
    r"(?:[:=\-]|est|is|was|on|:?\s*le)?\s*"
)
_NE = r"n[ée](?:e|\(e\)|\.e|·e|-e)?s?"
_BORN_RES = (
    # "né le 12/03/1985", "née à Oran le 3 mai 1990", "né(e) : 12.03.85"
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}{_NE}(?![\w])(?:\s+(?:à|a|au|en)\s+[{_LETTER}'\-]+(?:[\s\-]+[{_LETTER}'\-]+){{0,2}}\s*,?)?"
        rf"\s*(?:le|:|-|,)?\s*{_DATE})"
    ),
    # "né en 1985", "née en mars 1990", "né en 85"
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}{_NE}(?![\w])\s+en\s+(?:(?:{_MONTHS})\s+)?(?:{_YEAR}|'?[0-9]{{2}})(?![0-9]))"
    ),
)
_BIRTH_CUE_RES = (
    # "date de naissance : ...", "DDN ...", "date of birth ...": a few words may sit between.
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}(?:{_alt(R.BIRTH_CUES)})(?![\w]){_BIRTH_FILLER}(?:{_DATE}|{_YEAR}))"
    ),
    # "naissance : 12/03/1985", "born on 12 March 1985", "born in 1985"
    re.compile(
        rf"(?i:{_NOT_WORD_BEFORE}(?:naissance|born)(?![\w])\s*(?:le|:|-|on|in|en|=)?\s*(?:{_DATE}|{_YEAR}(?![0-9])))"
    ),
)


def _find_birth_dates(text: str) -> list[tuple[int, int]]:
    """Return spans of dates that a cue marks as a birth date."""
    spans = [m.span() for pattern in _BIRTH_CUE_RES for m in pattern.finditer(text)]
    for pattern in _BORN_RES:
        for match in pattern.finditer(text):
            # "le projet est né en 2022" is about a thing, not a person.
            if not _preceded_by(text, match.start(), _BORN_SUBJECTS, words=6):
                spans.append(match.span())
    return spans


# --------------------------------------------------------------------------------------
# Names: after a civility, or introduced as a name.

_CIVILITY = (
    r"(?:M\.|M(?=\s)|Mr\.?|MR\.?|Mrs\.?|Ms\.?|Mme\.?|MME\.?|Mmes\.?|Mlle\.?|MLLE\.?|Mlles\.?|"
    rf"Melle\.?|Mme/M\.|(?i:{_word_alt(R.CIVILITY_WORDS)}))"
)
_NAME_WORD = rf"[{_UP}](?:'[{_UP}])?[{_LO}]+(?:[\-'][{_UP}]?[{_LO}]+)*"
_CAPS_WORD = rf"[{_UP}](?:'[{_UP}])?[{_UP}]+(?:[\-'][{_UP}]+)*(?![{_LO}])"
_PARTICLES = frozenset(R.PARTICLES)
_PARTICLE = rf"(?:(?:{'|'.join(sorted(_PARTICLES, key=len, reverse=True))})\s*)"
_CIVILITY_NAME_RE = re.compile(
    rf"(?<![\w.])(?P<civ>{_CIVILITY})\s*(?P<name>(?:[{_UP}]\.\s?)?{_PARTICLE}?(?:{_NAME_WORD}|{_CAPS_WORD})"
    rf"(?:[\s\-]+(?:{_NAME_WORD}|{_CAPS_WORD}))*)"
)
_BARE_M_CONTEXT = re.compile(r"(?:[A-Z]{2,}|[0-9])[\s,]*$")
_LOWER_WORD = rf"[{_LETTER}][{_LETTER}'\-]*[{_LETTER}]"
# Phrases after which any word, even lower-case, is a name.
# Phrases after which any word, even lower-case, is a name.
_INTRO_ANY = "|".join(R.INTRO_ANY)
# Phrases that also describe things ("la formation s'appelle..."): need a capital.
_INTRO_CAP = "|".join(R.INTRO_CAP)
_INTRO_ANY_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_INTRO_ANY}))(?![\w])\s*(?P<name>{_LOWER_WORD}(?:[\s\-]+{_NAME_WORD}|\s+{_CAPS_WORD})*)"
)
_INTRO_CAP_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_INTRO_CAP}))(?![\w])\s*:?\s*(?P<name>(?:{_NAME_WORD}|{_CAPS_WORD})"
    rf"(?:[\s\-]+(?:{_NAME_WORD}|{_CAPS_WORD}))*)"
)
# A civility in any case followed by lower-case words: "mme martin", "monsieur dupont jean".
_LOW_WORD = rf"[{_LO}][{_LO}'\-]*[{_LO}]"
_CIVILITY_LOWER_RE = re.compile(
    rf"(?<![\w.])(?i:{_word_alt(R.CIVILITY_WORDS)}|mr\.?)\s+(?P<name>{_LOW_WORD}(?:[\s\-]+{_LOW_WORD}){{0,2}})"
)
_NAME_TOKEN = re.compile(rf"[{_LETTER}]+(?:['\-][{_LETTER}]+)*")
# A capitalised word the lexicon does not know, opening a sentence as the subject of a
# verb: "Karim veut...". Mid-sentence ("visite d'Airbus Helicopters évoquée") it is too
# often a brand.
_SUBJECT_RE = re.compile(rf"(?:^|(?<=[.!?;\n])\s*)(?P<name>[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)?)\s+(?P<verb>[{_LO}]+)(?![\w'])")
_CIVILITY_WORDS = frozenset(R.CIVILITY_WORDS) | {"m", "mr", "mrs", "ms"}
_NOT_A_PERSON = frozenset(R.NOT_A_PERSON)


def _name_is_plausible(name: str) -> bool:
    """Reject stop words that follow civilities or intros without being names."""
    first = re.split(r"[\s\-]+", name.strip(), maxsplit=1)[0].lower().rstrip("'")
    return first not in _NOT_A_NAME and len(first) >= 2


def _find_names(text: str) -> list[tuple[int, int]]:
    """Return spans of civility + name and of names introduced as such."""
    spans: list[tuple[int, int]] = []
    for match in _CIVILITY_NAME_RE.finditer(text):
        # Skip particles so that "M. le Maire" and "Madame La Directrice" stay titles
        # while "Mme de Villiers" and "Mme Le Gall" are names.
        if match.group("civ") == "M" and _BARE_M_CONTEXT.search(text, 0, match.start()):
            continue  # "BTS M Commerce": a bare M after an acronym is not a civility
        words = [w for w in re.split(r"[\s\-]+", match.group("name")) if w and not w.endswith(".")]
        while words and (words[0] in _PARTICLES or words[0].lower() in ("le", "la", "les")):
            words.pop(0)
        if words and _name_is_plausible(words[0]):
            spans.append((match.start(), match.end()))
    for match in _INTRO_ANY_RE.finditer(text):
        if _name_is_plausible(match.group("name")):
            spans.append((match.start(), match.end("name")))
    for match in _INTRO_CAP_RE.finditer(text):
        if not _name_is_plausible(match.group("name")):
            continue
        if _preceded_by(text, match.start(), _THING_SUBJECTS, words=3):
            continue
        spans.append((match.start(), match.end("name")))
    return spans


def _find_lower_case_names(text: str) -> list[tuple[int, int]]:
    """Return spans of a civility followed by a lower-case name, told from verbs by the lexicon."""
    spans = []
    for match in _CIVILITY_LOWER_RE.finditer(text):
        words = re.split(r"[\s\-]+", match.group("name"))
        while words and words[0] in _PARTICLES:
            words.pop(0)
        # "madame souhaite", "monsieur est venu", "mme la directrice" are not names.
        if words and _name_is_plausible(words[0]) and not _ner.is_common_word(words[0]):
            spans.append((match.start(), match.end()))
    return spans


def _find_model_names(text: str, allowed: _Allow | None) -> list[tuple[int, int]]:
    """Return spans the French model tags as persons, once institutions and places are set aside."""
    spans = []
    for start, end in _ner.person_spans(text):
        fragment = text[start:end]
        if allowed is not None and allowed.covers(fragment):
            continue  # a partner's or a reference label ("Mission Locale de Marseille")
        candidates = [
            word for word in _NAME_TOKEN.findall(fragment)
            if word[:1].isupper() and len(word) > 1
            and word.lower() not in _NOT_A_NAME
            and word.lower() not in _NOT_A_PERSON
            and word.lower() not in _CIVILITY_WORDS
            and word.lower() not in _PARTICLES
            and (allowed is None or word.lower() not in allowed.words)
        ]
        if not candidates:
            continue
        # A lone capitalised word the lexicon knows ("Pierre", "Commerce") is too often not
        # a name; a lone word it ignores ("Sophie", "Karim") is one. Two or more are a name.
        if len(candidates) == 1 and _ner.is_known_word(candidates[0]):
            continue
        spans.append((start, end))
    # The model misses a lone first name opening a sentence ("Karim veut ouvrir...").
    for match in _SUBJECT_RE.finditer(text):
        word = match.group("name").lower()
        if (word in _NOT_A_NAME or word in _NOT_A_PERSON or word in _CIVILITY_WORDS
                or (allowed is not None and word in allowed.words) or _ner.is_known_word(word)):
            continue
        if _ner.is_verb_form(match.group("verb")):
            spans.append(match.span("name"))
    return spans


# --------------------------------------------------------------------------------------
# Allowlist of partners' own contacts.


@dataclass(frozen=True)
class _Allow:
    """Pre-computed allowlist: phones as E.164, e-mails canonical, other text as keys."""

    phones: frozenset[str]
    emails: frozenset[str]
    keys: tuple[str, ...]
    words: frozenset[str]

    def covers(self, fragment: str) -> bool:
        """Tell whether fragment is, word for word, inside one allowlisted entry or label."""
        padded = f" {_key(fragment)} "
        return padded.strip() != "" and any(padded in f" {k} " for k in self.keys)


def _key(value: str) -> str:
    """Loose comparison key: case-folded words separated by single spaces."""
    return " ".join(re.findall(r"\w+", value.casefold()))


@lru_cache(maxsize=64)
def _prepare_allow(allow: tuple[str, ...]) -> _Allow:
    """Parse the allowlist once per distinct list."""
    phones: set[str] = set()
    for entry in allow:
        normalised = _normalise(entry)[0]
        phones.update(e164 for _, _, e164 in _find_phones(normalised))
        try:
            number = phonenumbers.parse(normalised, "FR")
            if phonenumbers.is_valid_number(number):
                phones.add(_e164(number))
        except phonenumbers.NumberParseException:
            pass
    emails = frozenset(_canonical_email(_normalise(entry)[0]) for entry in allow if entry.strip())
    keys = tuple(k for k in (_key(entry) for entry in allow) if k)
    # Words of labels and contacts, to set aside a model's "person" made of them.
    words = frozenset(word for k in keys for word in k.split() if not word.isdigit() and len(word) > 2)
    return _Allow(frozenset(phones), emails, keys, words)


def _is_allowed(kind: str, fragment: str, allowed: _Allow, e164: str | None) -> bool:
    """Decide whether an allowlisted partner contact covers this finding."""
    if kind == "phone":
        return e164 in allowed.phones
    if kind == "email":
        return _canonical_email(fragment) in allowed.emails
    key = _key(fragment)
    if not key:
        return False
    if kind == "address":
        padded = f" {key} "
        return any(f" {k} " in padded or padded in f" {k} " for k in allowed.keys)
    return key in allowed.keys


# --------------------------------------------------------------------------------------
# Public API.


def _overlaps(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> bool:
    """Tell whether span intersects any of others."""
    return any(span[0] < end and start < span[1] for start, end in others)


def check_text(text: str, *, allow: Iterable[str] = (), use_model: bool = True) -> list[Finding]:
    """Return every personal-data finding in text (empty list when clean).

    allow holds partners' public contacts and reference labels; use_model=False keeps to
    the rules (the French model is then neither loaded nor run: benchmarks, tools).
    """
    if not isinstance(text, str):
        raise TypeError(f"check_text expects str, not {type(text).__name__}")
    if not text.strip():
        return []
    norm, index = _normalise(text)
    if isinstance(allow, str):  # a lone string would otherwise be read char by char
        allow = (allow,)
    allowed = _prepare_allow(tuple(allow)) if allow else None
    raw: list[tuple[str, int, int, str | None]] = []  # kind, start, end (in norm), e164

    shaped: list[tuple[int, int]] = []
    for match in _NIR_SHAPE.finditer(norm):
        shaped.append(match.span())
        if _nir_shaped(match.group()):
            raw.append(("nir", match.start(), match.end(), None))
    iban_spans, iban_shaped = _find_ibans(norm)
    shaped.extend(iban_shaped)
    raw.extend(("iban", start, end, None) for start, end in iban_spans)
    for kind, start, end in _find_identifiers(norm):
        shaped.append((start, end))
        raw.append((kind, start, end, None))
    for pattern in _EMAIL_RES:
        raw.extend(("email", m.start(), m.end(), None) for m in pattern.finditer(norm))
    for start, end, number in _find_phones(norm):
        # Digits inside a NIR, an IBAN or another identifier are not a phone number.
        if not _overlaps((start, end), shaped):
            raw.append(("phone", start, end, number))
    raw.extend(("phone", start, end, None) for start, end in _find_phone_words(norm))
    raw.extend(("birth_date", start, end, None) for start, end in _find_birth_dates(norm))
    raw.extend(("address", start, end, None) for start, end in _find_addresses(norm))
    raw.extend(("name", start, end, None) for start, end in _find_names(norm))
    if use_model:
        raw.extend(("name", start, end, None) for start, end in _find_lower_case_names(norm))
        raw.extend(("name", start, end, None) for start, end in _find_model_names(norm, allowed))

    # Overlaps are settled before the allowlist so that a partner's e-mail matched whole
    # by one pattern is not re-reported through a shorter match of another.
    kept: list[tuple[str, int, int, str | None]] = []
    for kind, start, end, e164 in sorted(raw, key=lambda r: (_RANK[r[0]], r[1], -r[2])):
        if not _overlaps((start, end), ((s, e) for _, s, e, _ in kept)):
            kept.append((kind, start, end, e164))
    if allowed is not None:
        kept = [k for k in kept if not _is_allowed(k[0], norm[k[1] : k[2]], allowed, k[3])]

    return sorted(
        (Finding(kind, LABELS[kind], index[start], index[end - 1] + 1) for kind, start, end, _ in kept),
        key=lambda f: (f.start, f.end),
    )


def ensure_clean(text: str, *, allow: Iterable[str] = (), use_model: bool = True) -> None:
    """Raise PersonalDataFound when text holds personal data."""
    findings = check_text(text, allow=allow, use_model=use_model)
    if findings:
        raise PersonalDataFound(findings)
