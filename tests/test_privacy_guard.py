"""Tests for the personal-data guard (app.privacy.guard) and its browser twin (guard.js)."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app.privacy import ner
from app.privacy.guard import (
    KINDS,
    LABELS,
    Finding,
    PersonalDataFound,
    check_text,
    ensure_clean,
)

from app.privacy.rules import browser_rules

DATA = Path(__file__).parent / "data"
GUARD_JS = Path(__file__).parent.parent / "app" / "static" / "js" / "guard.js"


def _lines(name: str) -> list[str]:
    """Read a corpus file: one note per line, blank lines ignored."""
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _refused() -> list[tuple[tuple[str, ...], str]]:
    """Refused notes as (expected kinds, text); a line is "kind[,kind]<TAB>text" or just text.

    A kind ending in "!" is one only the server finds (the French name model and lexicon):
    the browser twin is not expected to see it.
    """
    cases = []
    for line in _lines("notes_refused.txt"):
        kinds, sep, text = line.partition("\t")
        cases.append((tuple(kinds.split(",")), text) if sep else ((), line))
    return cases


REFUSED_MARKED = _refused()
REFUSED = [(tuple(kind.rstrip("!") for kind in kinds), text) for kinds, text in REFUSED_MARKED]
# What the browser twin must catch: the kinds not marked server-only.
REFUSED_BROWSER = [
    (tuple(kind for kind in kinds if not kind.endswith("!")), text) for kinds, text in REFUSED_MARKED
]
ACCEPTED = _lines("notes_accepted.txt")


@pytest.fixture(autouse=True)
def fresh_data() -> None:
    """Shadow the suite's autouse database reset: this pure module needs no app or data."""


def _id(prefix: str, index: int, kinds: tuple[str, ...] = ()) -> str:
    """Stable, readable test id that does not depend on the note's wording."""
    return f"{prefix}-{index + 1:03d}" + (f"-{'+'.join(kinds)}" if kinds else "")


# --------------------------------------------------------------------------------------
# The corpus.


def test_corpus_is_large_varied_and_short() -> None:
    # 498 notes before the model and the new identifiers; at least 150 were added since.
    assert len(REFUSED) + len(ACCEPTED) >= 498 + 150
    assert len(REFUSED) >= 250
    assert len(ACCEPTED) >= 250
    texts = [text for _, text in REFUSED] + ACCEPTED
    assert len(set(texts)) == len(texts), "duplicate notes in the corpus"
    assert all(len(text) <= 280 for text in texts)
    annotated = {kind for kinds, _ in REFUSED for kind in kinds}
    assert annotated == set(KINDS), "every kind must be covered by the refused corpus"


@pytest.mark.parametrize(
    ("kinds", "text"), REFUSED, ids=[_id("refused", i, k) for i, (k, _) in enumerate(REFUSED)]
)
def test_refused_note(kinds: tuple[str, ...], text: str) -> None:
    findings = check_text(text)
    assert findings, f"not refused: {text!r}"
    found = {f.kind for f in findings}
    assert set(kinds) <= found, f"expected {kinds}, found {sorted(found)} in {text!r}"
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.label == LABELS[finding.kind]


@pytest.mark.parametrize("text", ACCEPTED, ids=[_id("accepted", i) for i in range(len(ACCEPTED))])
def test_accepted_note(text: str) -> None:
    findings = check_text(text)
    assert findings == [], [(f.kind, text[f.start : f.end]) for f in findings]


# --------------------------------------------------------------------------------------
# The error message.


def test_message_names_kind_and_position_but_not_the_data() -> None:
    text = "Visiteur à rappeler au 06 12 34 56 78 demain."
    with pytest.raises(PersonalDataFound) as caught:
        ensure_clean(text)
    message = str(caught.value)
    # Positions are 1-based and inclusive for the reader: characters 24 to 37.
    assert message == (
        "Donnée personnelle détectée : un numéro de téléphone (caractères 24 à 37). "
        "Retirez-la avant d'enregistrer."
    )
    assert "06 12 34 56 78" not in message
    assert "0612345678" not in message.replace(" ", "")
    assert caught.value.findings == [Finding("phone", LABELS["phone"], 23, 37)]


def test_message_lists_every_finding_in_order() -> None:
    text = "M. Dupont, mail jean.dupont@gmail.com, né le 12/03/1985."
    with pytest.raises(PersonalDataFound) as caught:
        ensure_clean(text)
    message = str(caught.value)
    assert message.startswith("Données personnelles détectées : un nom de personne (caractères 1 à 9) ; ")
    assert "une adresse e-mail" in message and "une date de naissance" in message
    assert message.index("une adresse e-mail") < message.index("une date de naissance")
    assert message.endswith("Retirez-les avant d'enregistrer.")
    for secret in ("Dupont", "jean.dupont", "gmail", "1985"):
        assert secret not in message


def test_exception_is_a_value_error_and_pickles() -> None:
    with pytest.raises(PersonalDataFound) as caught:
        ensure_clean("Contact : +33 6 12 34 56 78")
    assert isinstance(caught.value, ValueError)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, PersonalDataFound)
    assert copy.findings == caught.value.findings
    assert str(copy) == str(caught.value)


def test_clean_text_passes() -> None:
    ensure_clean("Entretien de 30 min, orientée vers la Mission Locale.")  # does not raise
    assert check_text("") == []
    assert check_text("   ") == []


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        check_text(None)  # type: ignore[arg-type]


def test_finding_is_immutable() -> None:
    finding = check_text("tél 06 12 34 56 78")[0]
    with pytest.raises(AttributeError):
        finding.start = 0  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# Offsets.


@pytest.mark.parametrize(
    ("text", "kind", "fragment"),
    [
        ("Rappeler au 06 12 34 56 78 demain", "phone", "06 12 34 56 78"),
        ("Écrire à jean.dupont@gmail.com svp", "email", "jean.dupont@gmail.com"),
        ("Sécu 2 88 12 2A 004 012 82 notée", "nir", "2 88 12 2A 004 012 82"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189 pour le virement", "iban", "FR76 3000 6000 0112 3456 7890 189"),
        ("Habite au 3 bis avenue du Prado, Marseille", "address", "3 bis avenue du Prado"),
        ("Visiteur né le 12 mars 1985, reconversion", "birth_date", "né le 12 mars 1985"),
        ("Orientée par Mme Nguyen vers le pôle Emploi", "name", "Mme Nguyen"),
        ("Elle s'appelle Inès et cherche une alternance", "name", "s'appelle Inès"),
    ],
)
def test_offsets_point_at_the_offending_span(text: str, kind: str, fragment: str) -> None:
    (finding,) = check_text(text)
    assert finding.kind == kind
    assert text[finding.start : finding.end] == fragment


def test_offsets_survive_invisible_and_decomposed_characters() -> None:
    # Zero-width spaces, a soft hyphen and a decomposed "é" are dropped before matching;
    # offsets must still index the original string.
    text = "Ame\u0301lie\u200b: mail ame\u00adlie@gmail.com, tél 06\u200b12 34 56 78"
    kinds = {f.kind: text[f.start : f.end] for f in check_text(text)}
    assert kinds == {"email": "ame\u00adlie@gmail.com", "phone": "06\u200b12 34 56 78"}


# --------------------------------------------------------------------------------------
# Allowlist of partners' contacts.

PARTNERS = ("04 91 55 00 00", "contact@mission-locale-exemple.fr", "4 rue des Consuls, 13002 Marseille")


def test_allowlisted_partner_phone_is_not_flagged_in_any_format() -> None:
    for written in ("04 91 55 00 00", "0491550000", "+33 4 91 55 00 00", "04.91.55.00.00"):
        assert check_text(f"Orientée vers la Mission Locale ({written}).", allow=PARTNERS) == []
    # Without the allowlist the same note is refused.
    assert [f.kind for f in check_text("Mission Locale : 04 91 55 00 00")] == ["phone"]


def test_allowlist_does_not_hide_the_visitor_phone() -> None:
    text = "Appeler la Mission Locale au 04 91 55 00 00 ; visiteur au 06 12 34 56 78."
    (finding,) = check_text(text, allow=PARTNERS)
    assert finding.kind == "phone"
    assert text[finding.start : finding.end] == "06 12 34 56 78"


def test_allowlisted_partner_email_and_address() -> None:
    assert check_text("Écrire à CONTACT@mission-locale-exemple.fr", allow=PARTNERS) == []
    assert check_text("Atelier au 4 rue des Consuls, 2e étage.", allow=PARTNERS) == []
    assert [f.kind for f in check_text("Atelier au 4 rue des Consuls, 2e étage.")] == ["address"]
    assert [f.kind for f in check_text("Habite 12 rue Paradis.", allow=PARTNERS)] == ["address"]


def test_reference_labels_clear_what_the_model_takes_for_a_person() -> None:
    # The small French model reads some partners' names as persons; passed in allow (as
    # the reference labels are), they pass, while a visitor's name beside them does not.
    labels = ("Léo Lagrange Méditerranée", "Emmaüs Connect", "Mission Locale de Marseille")
    for note in ("Orienté vers Léo Lagrange Méditerranée pour l'animation.",
                 "Suivi par Emmaüs Connect pour le numérique."):
        assert [f.kind for f in check_text(note)] == ["name"]
        assert check_text(note, allow=labels) == []
    text = "Emmaüs Connect a reçu Karim Benali."
    (finding,) = check_text(text, allow=labels)
    assert text[finding.start : finding.end] == "Karim Benali"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Rappeler au 06 12 34 56 78.", "phone"),
        ("Sécu 1 85 03 13 055 123 15", "nir"),
        ("Identifiant France Travail 1234567A", "france_travail_id"),
        ("Plaque AB-123-CD", "plate"),
        ("Profil linkedin.com/in/jean-dupont", "social"),
    ],
)
def test_rules_alone_still_refuse_identifiers(text: str, kind: str) -> None:
    assert [f.kind for f in check_text(text, use_model=False)] == [kind]


def test_names_without_a_cue_need_the_model() -> None:
    # What only the model layer catches: a benchmark baseline without it misses these.
    for text in ("Jean Dupont cherche une formation", "monsieur dupont jean", "Mme martin"):
        assert [f.kind for f in check_text(text)] == ["name"]
    assert check_text("Jean Dupont cherche une formation", use_model=False) == []


# --------------------------------------------------------------------------------------
# Checksums: a wrong key is not a NIR / an IBAN, nor is it read as a phone number.


def test_nir_is_flagged_whatever_its_key() -> None:
    assert [f.kind for f in check_text("Sécu 1 85 03 13 055 123 14")] == ["nir"]
    # A mistyped or invented key hides nothing: the rest of the number still says the
    # visitor's sex, birth month and town. Nor is it re-read as a phone number.
    assert [f.kind for f in check_text("Sécu 1 85 03 13 055 123 15")] == ["nir"]
    assert [f.kind for f in check_text("Sécu 185031305512315")] == ["nir"]
    assert [f.kind for f in check_text("NIR 1 85 03 13 055 123")] == ["nir"]  # key left out
    # A 15-digit number whose month cannot be a NIR's is something else.
    assert check_text("Réf. dossier 185151305512315") == []


def test_iban_with_a_wrong_checksum_is_not_flagged() -> None:
    assert [f.kind for f in check_text("IBAN FR76 3000 6000 0112 3456 7890 189")] == ["iban"]
    assert check_text("IBAN FR76 3000 6000 0112 3456 7890 180") == []
    assert check_text("IBAN FR7630006000011234567890180") == []


# --------------------------------------------------------------------------------------
# Targeted false-positive traps.


@pytest.mark.parametrize(
    "text",
    [
        "rdv le 12/03/2025",
        "atelier du 5 mai",
        "Le projet est né en 2022.",
        "M. le directeur",
        "Madame la conseillère",
        "Madame La Directrice",
        "Mme X",
        "BTS M Commerce",
        "la formation s'appelle Titre Pro",
        "prénom : non communiqué",
        "1 place Atelier CV",
        "suivre @FranceTravail",
        "du 01/02/2025 au 03/04/2025",
    ],
)
def test_trap_is_not_flagged(text: str) -> None:
    assert check_text(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("O6 12 34 56 78", "phone"),
        ("06/12/34/56/78", "phone"),
        ("+33 (0)6 12 34 56 78", "phone"),
        ("jean [at] gmail point com", "email"),
        ("Mme LE PEN", "name"),
        ("Mme. K. Dupont", "name"),
        ("Sa fille est née le 12/03/2010", "birth_date"),
    ],
)
def test_tricky_form_is_flagged(text: str, kind: str) -> None:
    assert kind in {f.kind for f in check_text(text)}


# --------------------------------------------------------------------------------------
# Speed: the guard runs on every save.


def test_rules_alone_average_well_under_five_milliseconds() -> None:
    notes = [text for _, text in REFUSED] + ACCEPTED
    check_text(notes[0], use_model=False)  # warm caches
    started = time.perf_counter()
    for note in notes:
        check_text(note, use_model=False)
    average_ms = (time.perf_counter() - started) * 1000 / len(notes)
    assert average_ms < 5, f"{average_ms:.2f} ms per check"


def test_with_the_model_a_note_stays_fast() -> None:
    # bench/guard.py measures the p95 (target 20 ms on a quiet machine); the bound here is
    # loose because the suite shares its cores with other jobs.
    notes = [text for _, text in REFUSED] + ACCEPTED
    timings = []
    for note in notes:
        started = time.perf_counter()
        check_text(note)
        timings.append(time.perf_counter() - started)
    timings.sort()
    p95_ms = timings[int(len(timings) * 0.95)] * 1000
    assert p95_ms < 60, f"p95 {p95_ms:.1f} ms per note"


def test_the_model_is_loaded_once_per_process() -> None:
    first = ner.model()
    check_text("Jean Dupont cherche une formation.")
    assert ner.model() is first
    assert first.pipe_names == ["ner"]  # only the component the guard reads


def test_pathological_input_stays_fast() -> None:
    notes = [
        "1 rue " + "de la " * 45,
        "M. " + "Dupont " * 38,
        "a" * 270 + "@gmail",
        "0" + " 1" * 139,
        "né le " + "1/" * 135,
        "FR76 " + "1234 " * 55,
    ]
    started = time.perf_counter()
    for note in notes:
        check_text(note[:280])
    assert time.perf_counter() - started < 0.5


# --------------------------------------------------------------------------------------
# The browser twin: same corpus, run under Node when it is installed.

_JS_HARNESS = """
const fs = require('fs'), vm = require('vm');
const [src, corpus, rules] = process.argv.slice(1);
const sandbox = {window: {}};
vm.runInNewContext(fs.readFileSync(src, 'utf8'), sandbox);
const guard = sandbox.window.AffluenceGuard;
const cases = JSON.parse(fs.readFileSync(corpus, 'utf8'));
const before = cases.map(c => guard.check(c[0], c[1]));
guard.configure(JSON.parse(fs.readFileSync(rules, 'utf8')));
const after = cases.map(c => guard.check(c[0], c[1]));
process.stdout.write(JSON.stringify({before: before, after: after}));
"""
JS_EXTRA: dict[str, tuple[str, list[str]]] = {
    "wrong NIR key": ("Sécu 1 85 03 13 055 123 15", []),
    "partner phone": ("Mission Locale au 04.91.55.00.00 ; visiteur au 06 12 34 56 78.", list(PARTNERS)),
    "partner address": ("Atelier au 4 rue des Consuls, 2e étage.", list(PARTNERS)),
}


def _run_js(cases: list[tuple[str, list[str]]], tmp: Path) -> dict[str, list]:
    """Run guard.js under Node on cases, before and after it receives the server's lists."""
    node = shutil.which("node") or shutil.which("nodejs")
    # Node comes with the setup (npm installs the browser libraries): its absence is a failure.
    assert node is not None, "node is required to check guard.js against the corpus"
    corpus = tmp / "notes.json"
    corpus.write_text(json.dumps(cases), encoding="utf-8")
    rules = tmp / "rules.json"
    # The very JSON the server sends at /api/v1/guard/rules.
    rules.write_text(json.dumps({"kinds": list(KINDS), **browser_rules()}), encoding="utf-8")
    out = subprocess.run(
        [node, "-e", _JS_HARNESS, str(GUARD_JS), str(corpus), str(rules)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def js_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict[str, list]]:
    no_allow: list[str] = []
    cases = [(text, no_allow) for _, text in REFUSED] + [(text, no_allow) for text in ACCEPTED]
    cases += list(JS_EXTRA.values())
    return [text for text, _ in cases], _run_js(cases, tmp_path_factory.mktemp("js"))


@pytest.fixture(scope="module")
def js_results(js_run) -> dict[str, list[dict[str, object]]]:
    texts, results = js_run
    return dict(zip(texts, results["after"], strict=True))


def test_js_guard_refuses_the_refused_corpus(js_results: dict[str, list[dict[str, object]]]) -> None:
    missed = [text for kinds, text in REFUSED_BROWSER
              if kinds and not {f["kind"] for f in js_results[text]} & set(kinds)]
    assert missed == []


def test_js_guard_gives_instant_feedback_before_the_lists_arrive(js_run) -> None:
    # Before the server's lists arrive, what needs no list is already checked...
    texts, results = js_run
    before = dict(zip(texts, results["before"], strict=True))
    assert [f["kind"] for f in before["Contact : O6 12 34 56 78 (a demandé un rappel)."]] == ["phone"]
    assert [f["kind"] for f in before["Véhicule immatriculé AB-123-CD, cherche un emploi de livreur."]] == ["plate"]
    # ...and nothing list-based is guessed from a copy of its own.
    assert before["habite avenue de Toulon, cherche un emploi dans le quartier."] == []
    assert before[next(text for kinds, text in REFUSED if kinds == ("name",) and text.startswith("Orientée par"))] == []
    # Only the free service lines (0 800...) wait for the server's list of public prefixes.
    assert [text for text in ACCEPTED if before[text]] == [
        text for text in ACCEPTED if "0 80" in text and before[text]]


def test_js_guard_accepts_the_accepted_corpus(js_results: dict[str, list[dict[str, object]]]) -> None:
    flagged = {text: js_results[text] for text in ACCEPTED if js_results[text]}
    assert flagged == {}


def test_js_guard_offsets_and_labels(js_results: dict[str, list[dict[str, object]]]) -> None:
    for text, findings in js_results.items():
        for finding in findings:
            assert finding["label"] == LABELS[str(finding["kind"])]
            start, end = int(finding["start"]), int(finding["end"])  # type: ignore[call-overload]
            assert 0 <= start < end <= len(text)


def test_js_guard_checksums_and_allowlist(js_results: dict[str, list[dict[str, object]]]) -> None:
    assert [f["kind"] for f in js_results[JS_EXTRA["wrong NIR key"][0]]] == ["nir"]
    text = JS_EXTRA["partner phone"][0]
    assert [text[int(f["start"]) : int(f["end"])] for f in js_results[text]] == ["06 12 34 56 78"]  # type: ignore[call-overload]
    assert js_results[JS_EXTRA["partner address"][0]] == []
