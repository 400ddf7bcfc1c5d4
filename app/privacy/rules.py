"""The personal-data guard's word lists: one copy, read by the server and sent to the browser.

guard.py builds its patterns from these lists and guard.js builds the same patterns from
the JSON of browser_rules() (served at /api/v1/guard/rules), so the two never drift apart.
Entries that are regex fragments use only syntax Python and JavaScript share: alternation,
character classes, ``?``, ``\\.``, ``\\s`` and non-capturing groups (no inline flags).

Pure data, no Flask import.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """Split a block of whitespace-separated words into a tuple."""
    return tuple(text.split())


# --------------------------------------------------------------------------------------
# Names.

# Civilities written as words, matched whatever their case ("mme martin", "MONSIEUR").
CIVILITY_WORDS = _words("monsieur madame mademoiselle mme mmes mlle mlles melle")
# Words that follow a civility or an intro phrase without being a person's name.
NOT_A_NAME = _words(
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
    a est était sera serait et ou mais donc car ni ne n se s' son sa ses votre vos notre nos leur
    leurs il elle ils elles on nous vous qui que quoi dont très trop aussi également egalement
    encore déjà deja bien plus moins pas jamais toujours souvent ici là la-bas puis ensuite
    """
)
# Nouns before "s'appelle"/"nommé" that show the subject is a thing, not a person.
THING_SUBJECTS = _words(
    """
    formation formations métier métiers metier dispositif programme diplôme diplome titre poste
    entreprise société societe structure association atelier site plateforme logiciel application
    appli outil école ecole organisme service module certification prestation projet boîte boite
    emploi cursus licence master parcours salon forum événement evenement session stage contrat
    cours filière filiere option spécialité specialite bac bts cap aide allocation fichier page
    réseau reseau groupe équipe equipe agence offre annonce mission cabinet centre établissement
    etablissement label marque produit
    """
)
# Nouns before "est né en 2022" that show a project, not a person, was born.
BORN_THINGS = _words(
    "idée idee envie activité activite concept besoin souhait passion intérêt interet vocation "
    "déclic declic reconversion démarche demarche"
)
# Phrases after which any word, even lower-case, is a name ("je m'appelle", "nom :").
INTRO_ANY = (
    "je\\s+m(?:'\\s?|\\s+)app?ell?e", "j'm'app?ell?e", "mon\\s+(?:pr[ée])?nom\\s+(?:est|c'est)",
    "son\\s+(?:pr[ée])?nom\\s+(?:est|c'est)",
    "(?:nom\\s+(?:de\\s+famille|d'usage|de\\s+naissance)|nom\\s*(?:et|/|,|&)\\s*pr[ée]nom"
    "|pr[ée]nom\\s*(?:et|/|,|&)\\s*nom|pr[ée]nom|nom|identit[ée])\\s*[:=]",
    "my\\s+name\\s+is", "name\\s*:",
)
# Phrases that also describe things ("la formation s'appelle..."): need a capital.
INTRO_CAP = (
    "s'\\s?app?ell?e(?:nt)?", "s\\s+app?ell?e", "m'\\s?app?ell?e", "(?:pr[ée]|d[ée]|sur)?nomm[ée]e?s?",
    "du\\s+nom\\s+de", "pr[ée]nom", "(?:se|me)\\s+(?:pr[ée])?nomme",
)
PARTICLES = _words("de du des d' van von der den di da del della el al ben ibn bin ould le la")

# Organisations, places, brands and tools that the French model sometimes tags as persons.
# A person-name candidate made only of these words (or of reference labels the caller
# passes in allow) is not refused. Lower-case, accents kept.
NOT_A_PERSON = _words(
    """
    travail locale emploi missions cité cités métiers metiers pôle formation formations
    afpa apec cidff cnam afij fongecif transitions pro paca onisep cio greta cfa cfai ifsi irts
    urssaf caf cpam msa mdph cap emploi epide e2c adie bge initiative créajeunes creajeunes
    région sud provence alpes côte azur bouches-du-rhône var vaucluse hautes-alpes
    marseille aix aix-en-provence aubagne istres martigues gap sisteron antibes garde toulon nice
    cannes avignon arles salon-de-provence vitrolles marignane ciotat gardanne miramas
    la-ciotat la-seyne hyères fréjus draguignan digne manosque briançon grasse menton paris
    lyon lille toulouse bordeaux nantes montpellier strasbourg rennes france europe
    vieux-port canebière canebiere joliette castellane belsunce noailles euroméditerranée
    indeed linkedin monster cadremploi hellowork welcome jungle leboncoin parcoursup monmaster
    excel word powerpoint outlook canva photoshop sap sage ciel pix moodle teams zoom qualiopi
    google facebook instagram tiktok youtube whatsapp amazon uber deliveroo carrefour auchan
    decathlon leroy merlin ikea airbus eurocopter cma cgm sncf ratp rtm edf engie orange
    maisons monde rome rncp fiche naf ape siret réf ref cf tél tel rdv nb ps obs
    bricolage monsieur madame cléa clea voltaire toeic toefl delf dalf tcf tosa
    """
)

# --------------------------------------------------------------------------------------
# Street addresses.

# Types that, after a number, mean a street whatever follows.
STREET_STRONG = (
    "rue", "avenue", "av\\.?", "ave\\.?", "boulevard", "bd\\.?", "bld\\.?", "blvd\\.?", "boul\\.?",
    "impasse", "imp\\.", "all[ée]e", "all\\.", "quai", "traverse", "trav\\.?", "tsse", "faubourg",
    "fbg\\.?", "mont[ée]e", "lotissement", "lot\\.", "square", "sq\\.", "sentier", "hameau",
    "esplanade", "promenade", "parvis", "rond-point", "rampe", "villa", "carrefour",
    "cit[ée]\\s+(?:HLM|U|hlm|u)",
)
# Types that are also ordinary words ("1 route possible"): need "de ..." or a proper name.
STREET_MEDIUM = ("chemin", "chem\\.?", "route", "rte\\.?", "r\\.")
# Types that are also ordinary words ("2 cours de français"): need a proper name.
STREET_WEAK = (
    "place", "pl\\.", "cours", "voie", "cit[ée]", "passage", "r[ée]sidence", "r[ée]s\\.", "domaine",
    "parc", "bastide",
)
STREET_CONNECTORS = ("de", "du", "des", "d'", "l'", "la", "le", "les", "saint", "sainte", "st", "ste",
                     "st\\.", "ste\\.")
# Capitalised words that follow "1 place" or "2 cours" in ordinary notes.
NOT_A_STREET = _words(
    """
    atelier ateliers session sessions forum réunion reunion info infos visite formation cv
    anglais français francais excel word bureautique informatique cap bts bac titre
    """
)
# Words that say the street that follows is where the visitor lives ("habite avenue de Toulon").
ADDRESS_CUES = (
    "habite", "habitent", "habitant", "habitante", "domicili[ée]e?s?", "domicile", "r[ée]side",
    "r[ée]sident", "r[ée]sidente", "r[ée]sidant", "r[ée]sidante", "demeurant", "demeurante",
    "demeure", "vit", "vivent", "log[ée]e?s?", "h[ée]berg[ée]e?s?", "install[ée]e?s?",
    "adresse", "adresse\\s+perso", "adresse\\s+postale",
)
# A building, staircase or flat number inside a residence is an address on its own.
FLAT_WORDS = ("appartement", "appart\\.?", "appt\\.?", "apt\\.?", "logement")
BUILDING_WORDS = ("b[âa]timent", "b[âa]t\\.?", "immeuble", "escalier", "esc\\.?", "entr[ée]e", "tour")
RESIDENCE_WORDS = ("r[ée]sidence", "r[ée]s\\.", "cit[ée]", "lotissement", "domaine", "hameau", "quartier")

# --------------------------------------------------------------------------------------
# Phone numbers written in words ("zéro six douze trente-quatre...").

NUMBER_WORDS = _words(
    """
    zéro zero z[ée]ro un une deux trois quatre cinq six sept huit neuf dix onze douze treize
    quatorze quinze seize vingt vingts trente quarante cinquante soixante septante huitante
    octante nonante cent
    """
)
PHONE_CUES = (
    "t[ée]l\\.?", "t[ée]l[ée]phone", "portable", "port\\.?", "mobile", "gsm", "fixe", "num[ée]ro",
    "num\\.?", "n°", "joignable", "joindre", "rappeler", "rappel", "appeler", "contact", "whatsapp",
)

# --------------------------------------------------------------------------------------
# Dates of birth: only a date that a cue marks as a birth date.

MONTHS = (
    "janvier", "janv\\.?", "f[ée]vrier", "f[ée]vr?\\.?", "mars", "avril", "avr\\.?", "mai", "juin",
    "juillet", "juil\\.?", "ao[uû]t", "septembre", "sept\\.?", "octobre", "oct\\.?", "novembre",
    "nov\\.?", "d[ée]cembre", "d[ée]c\\.?", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
# Phrases that announce a birth date: "date de naissance", "DDN", "date of birth"...
BIRTH_CUES = (
    "date\\s+de\\s+naiss(?:ance|\\.)?", "date\\s+naiss(?:ance|\\.)?", "d\\.?d\\.?n\\.?", "d\\.?n\\.?",
    "date\\s+of\\s+birth", "d\\.?o\\.?b\\.?", "birth\\s*date", "birthday", "ann[ée]e\\s+de\\s+naissance",
    "anniversaire",
)

# --------------------------------------------------------------------------------------
# Identifiers, each introduced by its cue when its shape alone is too common.

FRANCE_TRAVAIL_CUES = (
    "identifiant", "ident\\.?", "id", "n°\\s*(?:d'inscription|demandeur|de\\s+demandeur)",
    "num[ée]ro\\s+(?:d'inscription|de\\s+demandeur|demandeur)", "inscrit(?:e)?\\s+sous\\s+le",
)
CAF_CUES = (
    "n°\\s*(?:d')?allocataire", "num[ée]ro\\s+(?:d')?allocataire", "allocataire", "alloc\\.?",
    "caf", "n°\\s*caf", "num[ée]ro\\s+caf", "dossier\\s+caf", "matricule",
)
PASSPORT_CUES = ("passeport", "passport", "pass\\.?port")
RESIDENCE_PERMIT_CUES = (
    "titre\\s+de\\s+s[ée]jour", "carte\\s+de\\s+s[ée]jour", "carte\\s+de\\s+r[ée]sident",
    "r[ée]c[ée]piss[ée]", "tds", "agdref", "n°\\s*(?:d')?[ée]tranger", "num[ée]ro\\s+(?:d')?[ée]tranger",
    "visa",
)
PLATE_CUES = ("plaque", "immatricul[ée]e?", "immat\\.?", "v[ée]hicule", "voiture")
RIB_CUES = ("rib", "r\\.i\\.b\\.?", "relev[ée]\\s+d'identit[ée]\\s+bancaire", "coordonn[ée]es\\s+bancaires",
            "compte\\s+bancaire", "n°\\s*de\\s+compte", "num[ée]ro\\s+de\\s+compte")

# --------------------------------------------------------------------------------------
# Social media: profile links and @handles.

SOCIAL_SITES = (
    "linkedin\\.com/in", "linkedin\\.com/pub", "fr\\.linkedin\\.com/in", "facebook\\.com", "fb\\.com",
    "m\\.facebook\\.com", "instagram\\.com", "instagr\\.am", "tiktok\\.com", "twitter\\.com", "x\\.com",
    "snapchat\\.com/add", "youtube\\.com/@", "threads\\.net", "github\\.com", "malt\\.fr/profile",
    "t\\.me", "wa\\.me",
)
# Institutions' public accounts: an @handle containing one of these is not a visitor's.
PUBLIC_HANDLES = _words(
    """
    francetravail poleemploi missionlocale citedesmetiers citemetiers afpa apec cidff cnam onisep
    regionsud maregionsud region prefet gouv gouvernement marseille villedemarseille
    ampmetropole metropole cfa greta urssaf caf cpam mdph education service public
    """
)

# --------------------------------------------------------------------------------------
# Numbers that are never a visitor's: national numbers starting with these digits are the
# free and shared-cost service lines (0 800 to 0 899).

PUBLIC_PHONE_PREFIXES = ("08",)


def browser_rules() -> dict[str, list[str]]:
    """Return the lists guard.js builds its patterns from, as JSON-ready lists."""
    lists = {
        "civilityWords": CIVILITY_WORDS,
        "notAName": NOT_A_NAME,
        "thingSubjects": THING_SUBJECTS,
        "bornThings": BORN_THINGS,
        "particles": PARTICLES,
        "introAny": INTRO_ANY,
        "introCap": INTRO_CAP,
        "streetStrong": STREET_STRONG,
        "streetMedium": STREET_MEDIUM,
        "streetWeak": STREET_WEAK,
        "streetConnectors": STREET_CONNECTORS,
        "notAStreet": NOT_A_STREET,
        "addressCues": ADDRESS_CUES,
        "flatWords": FLAT_WORDS,
        "buildingWords": BUILDING_WORDS,
        "residenceWords": RESIDENCE_WORDS,
        "numberWords": NUMBER_WORDS,
        "phoneCues": PHONE_CUES,
        "months": MONTHS,
        "birthCues": BIRTH_CUES,
        "franceTravailCues": FRANCE_TRAVAIL_CUES,
        "cafCues": CAF_CUES,
        "passportCues": PASSPORT_CUES,
        "residencePermitCues": RESIDENCE_PERMIT_CUES,
        "ribCues": RIB_CUES,
        "plateCues": PLATE_CUES,
        "socialSites": SOCIAL_SITES,
        "publicHandles": PUBLIC_HANDLES,
        "publicPhonePrefixes": PUBLIC_PHONE_PREFIXES,
    }
    return {name: list(values) for name, values in lists.items()}
