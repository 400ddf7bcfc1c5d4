"""Personal-data guard: refuses free-text notes that could identify a visitor.

The Cité des Métiers is anonymous by charter, so the few free-text fields (short notes)
are screened before they are stored. Detection favours recall on the kinds of data a
counsellor might type by reflex (phone, e-mail, social-security number, IBAN, address,
birth date, a person's name) while leaving the ordinary numbers of a counselling note
(durations, years, postcodes, prices, diploma levels, RNCP or ROME codes) alone.

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
from stdnum.fr import nir as _nir
from stdnum.iso7064 import mod_97_10

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
    "address": "une adresse postale",
    "birth_date": "une date de naissance",
    "name": "un nom de personne",
}
# Order of precedence when two findings overlap: the most specific kind wins.
KINDS: tuple[str, ...] = ("nir", "iban", "email", "phone", "birth_date", "address", "name")
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
            found.setdefault((match.start, match.end), _e164(match.number))
    return [(start, end, e164) for (start, end), e164 in found.items()]


# --------------------------------------------------------------------------------------
# NIR (numéro de sécurité sociale): 15 characters, Corsica 2A/2B, key checked.

_SEP = r"[ .\-]{0,2}"
_NIR_SHAPE = re.compile(
    rf"{_NOT_WORD_BEFORE}[1-8](?:{_SEP}[0-9]){{4}}{_SEP}(?:[0-9]{_SEP}[0-9]|2{_SEP}[ABab])"
    rf"(?:{_SEP}[0-9]){{8}}{_NOT_WORD_AFTER}"
)

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
_NOT_A_NAME = frozenset(
    """
    le la les l de du des un une x xx xxx y z anonyme anonymes inconnu inconnue non nc néant neant
    aucun aucune na communiqué communique renseigné renseigne refusé refuse masqué vide
    directeur directrice maire président présidente conseiller conseillère ministre préfet préfète
    député députée sénateur sénatrice docteur professeur juge procureur responsable chef adjoint
    adjointe référent référente coordinateur coordinatrice formateur formatrice délégué déléguée
    agent agente intervenant intervenante chargé chargée employeur recruteur recruteuse tuteur
    tutrice visiteur visiteuse bénéficiaire usager usagère candidat candidate stagiaire
    rsa caf cpf cv rqth bts cap bac cdi cdd vae cep pic afpa apec cio cidff greta ml pe ft ccas
    cma cci mdph pmsmp aref poei sst btp rh it qhse dut but lp bep dnb dsp
    mission pôle pole france cité cite campus école ecole université universite lycée lycee
    institut centre maison chambre région region département departement ville métropole metropole
    pass parcours titre contrat garantie service espace plateforme atelier
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai
    juin juillet août aout septembre octobre novembre décembre decembre bricolage
    """.split()
)
# Nouns before "s'appelle"/"nommé" that show the subject is a thing, not a person.
_THING_SUBJECTS = frozenset(
    """
    formation formations métier métiers metier dispositif programme diplôme diplome titre poste
    entreprise société societe structure association atelier site plateforme logiciel application
    appli outil école ecole organisme service module certification prestation projet boîte boite
    emploi cursus licence master parcours salon forum événement evenement session stage contrat
    cours filière filiere option spécialité specialite bac bts cap aide allocation fichier page
    réseau reseau groupe équipe equipe agence offre annonce mission cabinet centre établissement
    etablissement label marque produit
    """.split()
)
# Nouns before "est né en 2022" that show a project, not a person, was born.
_BORN_THINGS = frozenset(
    "idée idee envie activité activite concept besoin souhait passion intérêt interet vocation déclic declic "
    "reconversion démarche demarche".split()
)
_BORN_SUBJECTS = _THING_SUBJECTS | _BORN_THINGS


def _preceded_by(text: str, position: int, nouns: frozenset[str], *, words: int) -> bool:
    """Tell whether one of nouns is among the last few words before position."""
    before = re.findall(rf"[{_LETTER}]+", text[max(0, position - 50) : position].lower())
    return any(word in nouns for word in before[-words:])


# --------------------------------------------------------------------------------------
# Street addresses: a number, a street type, a street name.

_NUM = r"(?<![\w.,/'])[0-9]{1,4}(?:\s?(?:bis|ter|quater|[a-dA-D])(?![\w]))?\s*,?\s*"
# Types that, after a number, mean a street whatever follows.
_STREET_STRONG = (
    r"rue|avenue|av\.?|ave\.?|boulevard|bd\.?|bld\.?|blvd\.?|boul\.?|impasse|imp\.|"
    r"all[ée]e|all\.|quai|traverse|trav\.?|tsse|"
    r"faubourg|fbg\.?|mont[ée]e|lotissement|lot\.|square|sq\.|sentier|hameau|esplanade|"
    r"promenade|parvis|rond-point|rampe|villa|carrefour|cit[ée]\s+(?:HLM|U)"
)
# Types that are also ordinary words ("1 route possible"): need "de ..." or a proper name.
_STREET_MEDIUM = r"chemin|chem\.?|route|rte\.?|r\."
# Types that are also ordinary words ("2 cours de français"): need a proper name.
_STREET_WEAK = r"place|pl\.|cours|voie|cit[ée]|passage|r[ée]sidence|r[ée]s\.|domaine|parc|bastide"
_CONNECTOR = r"(?:(?i:de|du|des|d'|l'|la|le|les|saint|sainte|st|ste|st\.|ste\.)[\s\-]*)"
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
_NOT_A_STREET = frozenset(
    """
    atelier ateliers session sessions forum réunion reunion info infos visite formation cv
    anglais français francais excel word bureautique informatique cap bts bac titre
    """.split()
)


def _find_addresses(text: str) -> list[tuple[int, int]]:
    """Return spans of street addresses that carry a number."""
    spans = [m.span() for m in _ADDRESS_STRONG_RE.finditer(text)]
    spans.extend(m.span() for m in _ADDRESS_MEDIUM_RE.finditer(text))
    spans.extend(
        m.span()
        for m in _ADDRESS_WEAK_RE.finditer(text)
        if m.group("name").lower() not in _NOT_A_STREET and m.group("name").lower() not in _NOT_A_NAME
    )
    return spans


# --------------------------------------------------------------------------------------
# Dates of birth: a date is only personal when a cue says it is a birth date.

_MONTHS = (
    r"janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|"
    r"ao[uû]t|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?|"
    r"january|february|march|april|may|june|july|august|september|october|november|december"
)
_YEAR = r"(?:1[89][0-9]{2}|20[0-9]{2})"
_DATE = (
    r"(?:"
    r"[0-3]?[0-9]\s?[/.\-]\s?[01]?[0-9](?:\s?[/.\-]\s?(?:[0-9]{4}|[0-9]{2}))?(?![0-9])"
    rf"|{_YEAR}-[01]?[0-9]-[0-3]?[0-9]"
    rf"|(?:1er|[0-3]?[0-9])\s*(?:{_MONTHS})(?:\s*,?\s*(?:[0-9]{{4}}|'?[0-9]{{2}}))?(?![\w])"
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
        rf"(?i:{_NOT_WORD_BEFORE}(?:date\s+de\s+naiss(?:ance|\.)?|d\.?d\.?n\.?|date\s+of\s+birth|d\.?o\.?b\.?"
        rf"|birth\s*date|ann[ée]e\s+de\s+naissance)(?![\w]){_BIRTH_FILLER}(?:{_DATE}|{_YEAR}))"
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
    r"Melle\.?|Mme/M\.|(?i:monsieur|madame|mademoiselle|mme|mlle|melle))"
)
_NAME_WORD = rf"[{_UP}](?:'[{_UP}])?[{_LO}]+(?:[\-'][{_UP}]?[{_LO}]+)*"
_CAPS_WORD = rf"[{_UP}](?:'[{_UP}])?[{_UP}]+(?:[\-'][{_UP}]+)*(?![{_LO}])"
_PARTICLES = frozenset("de du des d' van von der den di da del della el al ben ibn bin ould le la".split())
_PARTICLE = rf"(?:(?:{'|'.join(sorted(_PARTICLES, key=len, reverse=True))})\s*)"
_CIVILITY_NAME_RE = re.compile(
    rf"(?<![\w.])(?P<civ>{_CIVILITY})\s*(?P<name>(?:[{_UP}]\.\s?)?{_PARTICLE}?(?:{_NAME_WORD}|{_CAPS_WORD})"
    rf"(?:[\s\-]+(?:{_NAME_WORD}|{_CAPS_WORD}))*)"
)
_BARE_M_CONTEXT = re.compile(r"(?:[A-Z]{2,}|[0-9])[\s,]*$")
_LOWER_WORD = rf"[{_LETTER}][{_LETTER}'\-]*[{_LETTER}]"
# Phrases after which any word, even lower-case, is a name.
_INTRO_ANY = (
    r"je\s+m(?:'\s?|\s+)app?ell?e|j'm'app?ell?e|mon\s+(?:pr[ée])?nom\s+(?:est|c'est)|"
    r"son\s+(?:pr[ée])?nom\s+(?:est|c'est)|(?:nom\s+(?:de\s+famille|d'usage|de\s+naissance)"
    r"|nom\s*(?:et|/|,|&)\s*pr[ée]nom|pr[ée]nom\s*(?:et|/|,|&)\s*nom|pr[ée]nom|nom|identit[ée])\s*[:=]"
    r"|my\s+name\s+is|name\s*:"
)
# Phrases that also describe things ("la formation s'appelle..."): need a capital.
_INTRO_CAP = (
    r"s'\s?app?ell?e(?:nt)?|s\s+app?ell?e|m'\s?app?ell?e|(?:pr[ée]|d[ée]|sur)?nomm[ée]e?s?"
    r"|du\s+nom\s+de|pr[ée]nom|(?:se|me)\s+(?:pr[ée])?nomme"
)
_INTRO_ANY_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_INTRO_ANY}))(?![\w])\s*(?P<name>{_LOWER_WORD}(?:[\s\-]+{_NAME_WORD}|\s+{_CAPS_WORD})*)"
)
_INTRO_CAP_RE = re.compile(
    rf"(?i:{_NOT_WORD_BEFORE}(?:{_INTRO_CAP}))(?![\w])\s*:?\s*(?P<name>(?:{_NAME_WORD}|{_CAPS_WORD})"
    rf"(?:[\s\-]+(?:{_NAME_WORD}|{_CAPS_WORD}))*)"
)
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


# --------------------------------------------------------------------------------------
# Allowlist of partners' own contacts.


@dataclass(frozen=True)
class _Allow:
    """Pre-computed allowlist: phones as E.164, e-mails canonical, other text as keys."""

    phones: frozenset[str]
    emails: frozenset[str]
    keys: tuple[str, ...]


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
    return _Allow(frozenset(phones), emails, keys)


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


def check_text(text: str, *, allow: Iterable[str] = ()) -> list[Finding]:
    """Return every personal-data finding in text (empty list when clean)."""
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
        if _nir.is_valid(re.sub(r"[ .\-]", "", match.group()).upper()):
            raw.append(("nir", match.start(), match.end(), None))
    iban_spans, iban_shaped = _find_ibans(norm)
    shaped.extend(iban_shaped)
    raw.extend(("iban", start, end, None) for start, end in iban_spans)
    for pattern in _EMAIL_RES:
        raw.extend(("email", m.start(), m.end(), None) for m in pattern.finditer(norm))
    for start, end, number in _find_phones(norm):
        # Digits inside a NIR or IBAN (even a mistyped one) are not a phone number.
        if not _overlaps((start, end), shaped):
            raw.append(("phone", start, end, number))
    raw.extend(("birth_date", start, end, None) for start, end in _find_birth_dates(norm))
    raw.extend(("address", start, end, None) for start, end in _find_addresses(norm))
    raw.extend(("name", start, end, None) for start, end in _find_names(norm))

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


def ensure_clean(text: str, *, allow: Iterable[str] = ()) -> None:
    """Raise PersonalDataFound when text holds personal data."""
    findings = check_text(text, allow=allow)
    if findings:
        raise PersonalDataFound(findings)
