/*
 * Affluence personal-data guard, browser side: instant feedback while a note is typed.
 *
 * The server (app/privacy/guard.py) is the source of truth and runs again on save; this
 * mirrors its rules without libphonenumber or python-stdnum, so phone numbers are checked
 * by shape (French national and "+"/"00" international forms) and IBANs by mod-97 only.
 *
 * Plain ES2017 script, no dependencies. Usage:
 *   window.AffluenceGuard.check(text [, allow]) -> [{kind, label, start, end}]
 * Offsets are UTF-16 indices into text (what textarea.setSelectionRange expects).
 */
(function () {
  'use strict';

  var LABELS = {
    email: 'une adresse e-mail',
    phone: 'un numéro de téléphone',
    nir: 'un numéro de sécurité sociale',
    iban: 'un IBAN',
    address: 'une adresse postale',
    birth_date: 'une date de naissance',
    name: 'un nom de personne'
  };
  // Precedence when two findings overlap, most specific first (same as the server).
  var KINDS = ['nir', 'iban', 'email', 'phone', 'birth_date', 'address', 'name'];

  // Character classes: JavaScript's \w is ASCII only and ES2017 has no \p{L}.
  var UP = 'A-ZÀ-ÖØ-ÞŒŸ';
  var LO = 'a-zß-öø-ÿœ';
  var LETTER = UP + LO;
  var WORD = LETTER + '0-9_';
  // No lookbehind before ES2018: a leading group eats the boundary character instead.
  var BEFORE = '(^|[^' + WORD + '])';
  var AFTER = '(?![' + WORD + '])';

  function words(list) {
    var set = Object.create(null);
    list.split(/\s+/).forEach(function (w) { if (w) { set[w] = true; } });
    return set;
  }

  /** Case-insensitive pattern for a plain word, to mix with case-sensitive parts. */
  function ci(word) {
    return word.replace(/[A-Za-zÀ-ÿ]/g, function (c) {
      var upper = c.toUpperCase();
      return upper === c ? c : '[' + c + upper + ']';
    });
  }

  // ------------------------------------------------------------------------------------
  // Normalisation: a cleaned copy plus, for each cleaned char, its index in the original.

  var DROP = /[\u00ad\u200b\u200c\u200d\u2060\ufeff\u0300-\u036f]/;
  var SPACE = /[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/;
  var DASH = /[\u2010-\u2015\u2212\ufe63\uff0d]/;
  var QUOTE = /[\u2018\u2019\u201b\u02bc\u00b4\u0060\u2032]/;

  function normalise(text) {
    var out = [];
    var index = [];
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      var code = c.charCodeAt(0);
      if (DROP.test(c)) { continue; }
      if (SPACE.test(c)) { c = ' '; }
      else if (DASH.test(c)) { c = '-'; }
      else if (QUOTE.test(c)) { c = "'"; }
      else if (c === '\u2024' || c === '\uff0e' || c === '\u3002') { c = '.'; }
      else if (c === '\uff20' || c === '\ufe6b') { c = '@'; }
      else if (code >= 0xff01 && code <= 0xff5e) { c = String.fromCharCode(code - 0xfee0); }
      out.push(c);
      index.push(i);
    }
    return { text: out.join(''), index: index };
  }

  /** Every match of a global regex whose group 1 is a boundary prefix: [start, end, match]. */
  function scan(re, text) {
    var found = [];
    var m;
    re.lastIndex = 0;
    while ((m = re.exec(text)) !== null) {
      var start = m.index + m[1].length;
      found.push([start, m.index + m[0].length, m]);
      if (m[0].length === 0) { re.lastIndex++; }
    }
    return found;
  }

  /** Match a sticky (y) regex exactly at position; null if it does not match there. */
  function at(re, text, position) {
    re.lastIndex = position;
    return re.exec(text);
  }

  function precededBy(text, position, nouns, count) {
    var before = text.slice(Math.max(0, position - 50), position).toLowerCase()
      .match(new RegExp('[' + LETTER + ']+', 'g')) || [];
    return before.slice(-count).some(function (w) { return nouns[w]; });
  }

  // ------------------------------------------------------------------------------------
  // Shared vocabulary (kept in step with the server).

  var NOT_A_NAME = words(
    'le la les l de du des un une x xx xxx y z anonyme anonymes inconnu inconnue non nc néant neant ' +
    'aucun aucune na communiqué communique renseigné renseigne refusé refuse masqué vide ' +
    'directeur directrice maire président présidente conseiller conseillère ministre préfet préfète ' +
    'député députée sénateur sénatrice docteur professeur juge procureur responsable chef adjoint ' +
    'adjointe référent référente coordinateur coordinatrice formateur formatrice délégué déléguée ' +
    'agent agente intervenant intervenante chargé chargée employeur recruteur recruteuse tuteur ' +
    'tutrice visiteur visiteuse bénéficiaire usager usagère candidat candidate stagiaire ' +
    'rsa caf cpf cv rqth bts cap bac cdi cdd vae cep pic afpa apec cio cidff greta ml pe ft ccas ' +
    'cma cci mdph pmsmp aref poei sst btp rh it qhse dut but lp bep dnb dsp ' +
    'mission pôle pole france cité cite campus école ecole université universite lycée lycee ' +
    'institut centre maison chambre région region département departement ville métropole metropole ' +
    'pass parcours titre contrat garantie service espace plateforme atelier ' +
    'lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai ' +
    'juin juillet août aout septembre octobre novembre décembre decembre bricolage'
  );
  var THING_SUBJECTS = words(
    'formation formations métier métiers metier dispositif programme diplôme diplome titre poste ' +
    'entreprise société societe structure association atelier site plateforme logiciel application ' +
    'appli outil école ecole organisme service module certification prestation projet boîte boite ' +
    'emploi cursus licence master parcours salon forum événement evenement session stage contrat ' +
    'cours filière filiere option spécialité specialite bac bts cap aide allocation fichier page ' +
    'réseau reseau groupe équipe equipe agence offre annonce mission cabinet centre établissement ' +
    'etablissement label marque produit'
  );
  var BORN_SUBJECTS = words(
    Object.keys(THING_SUBJECTS).join(' ') +
    ' idée idee envie activité activite concept besoin souhait passion intérêt interet vocation ' +
    'déclic declic reconversion démarche demarche'
  );
  var NOT_A_STREET = words(
    'atelier ateliers session sessions forum réunion reunion info infos visite formation cv ' +
    'anglais français francais excel word bureautique informatique cap bts bac titre'
  );

  // ------------------------------------------------------------------------------------
  // E-mail addresses.

  var TLDS = 'com|fr|net|org|eu|info|io|biz|pro|me|co|uk|be|ch|ca|de|es|it|pt|nl|lu|mc|us|edu|' +
    'ma|dz|tn|sn|ci|cm|ml|re|gp|mq|yt|nc|pf|gf|pm';
  var PROVIDERS = 'gmail|googlemail|hotmail|yahoo|outlook|orange|free|laposte|icloud|live|wanadoo|sfr|' +
    'gmx|protonmail|proton|aol|msn|neuf|bbox|numericable|club-internet';
  var AT_RE = '(?:\\s*(?:@|[\\[({<]\\s*(?:at|@|arobase|arobas|arrobase)\\s*[\\])}>])\\s*' +
    '|\\s+(?:at|arobase|arobas|arrobase|a\\s+commercial)\\s+)';
  var DOT_RE = '(?:\\s*(?:\\.|[\\[({<]\\s*(?:dot|point|pt|\\.)\\s*[\\])}>])\\s*|\\s+(?:dot|point)\\s+)';
  var LOCAL = '[' + LETTER + '0-9][' + WORD + ".%+'\\-]*";
  var LABEL = '[a-z0-9](?:[a-z0-9\\-]*[a-z0-9])?';
  var EMAIL_RES = [
    new RegExp(BEFORE + LOCAL + '@' + LABEL + '(?:\\.' + LABEL + ')*\\.[a-z]{2,24}' + AFTER, 'gi'),
    new RegExp(BEFORE + LOCAL + AT_RE + LABEL + '(?:' + DOT_RE + LABEL + ')*?' + DOT_RE +
      '(?:' + TLDS + ')' + AFTER, 'gi'),
    new RegExp(BEFORE + LOCAL + AT_RE + '(?:' + PROVIDERS + ')' + AFTER, 'gi'),
    new RegExp(BEFORE + LOCAL + '@[' + LETTER + '0-9][' + WORD + '\\-]+', 'gi')
  ];
  var AT_ONLY = new RegExp(AT_RE, 'i');
  var DOT_ALL = new RegExp(DOT_RE, 'gi');

  function canonicalEmail(value) {
    return value.trim().toLowerCase().replace(AT_ONLY, '@').replace(DOT_ALL, '.').replace(/\s+/g, '');
  }

  // ------------------------------------------------------------------------------------
  // Phone numbers, by shape.

  var IS_LETTER = new RegExp('[' + LETTER + ']');
  var IS_DIGIT = /[0-9]/;
  var IS_SEP = /[ .\-\/]/;

  /** Same-length copy of text where a lone letter O next to digits becomes a zero. */
  function fixLetterO(text) {
    var chars = text.split('');
    for (var i = 0; i < chars.length; i++) {
      if (chars[i] !== 'O' && chars[i] !== 'o') { continue; }
      var prev = text.charAt(i - 1);
      var next = text.charAt(i + 1);
      if (IS_LETTER.test(prev) || IS_LETTER.test(next)) { continue; }
      if (IS_DIGIT.test(next) || IS_DIGIT.test(prev) ||
          (IS_SEP.test(next) && IS_DIGIT.test(text.charAt(i + 2))) ||
          (IS_SEP.test(prev) && IS_DIGIT.test(text.charAt(i - 2)))) {
        chars[i] = '0';
      }
    }
    return chars.join('');
  }

  var PHONE_RUN = new RegExp('(^|[^' + WORD + '+])(\\+?\\(?[0-9](?:[0-9]|[ .\\-\\/_,()]{1,3}(?=[0-9(]))*[0-9]\\)?)' +
    '(?![' + WORD + '])', 'g');

  function phoneWindow(raw, plus) {
    var odd = raw.match(/[\/,_]/);
    if (odd) {
      // "06/12/34/56/78" yes, "01/02/2025 03/04" no: one separator, two-digit groups.
      var seps = raw.replace(/^\+|[0-9]/g, '');
      if (seps.split('').some(function (s) { return s !== odd[0]; })) { return false; }
      if (raw.split(odd[0]).some(function (g) { return g.length !== 2; })) { return false; }
    }
    var digits = raw.replace(/\(0\)/, '').replace(/[^0-9]/g, '');
    if (plus || digits.slice(0, 2) === '00') {
      var international = plus ? digits : digits.slice(2);
      if (international.slice(0, 2) === '33') {
        return international.length === 11 && international.charAt(2) !== '0';
      }
      return international.length >= 8 && international.length <= 15 && international.charAt(0) !== '0';
    }
    return digits.length === 10 && /^0[1-9]/.test(digits);
  }

  /** National form of a phone (0XXXXXXXXX for France) to compare with the allowlist. */
  function phoneKey(raw) {
    var digits = raw.replace(/\(0\)/, '').replace(/[^0-9]/g, '');
    if (digits.slice(0, 2) === '00') { digits = digits.slice(2); }
    else if (raw.trim().charAt(0) !== '+') { return digits; }
    return digits.slice(0, 2) === '33' ? '0' + digits.slice(2) : '+' + digits;
  }

  function findPhones(text) {
    var variant = fixLetterO(text);
    var found = [];
    scan(PHONE_RUN, variant).forEach(function (hit) {
      var run = hit[2][2];
      var groups = [];
      var re = /[0-9]+/g;
      var g;
      while ((g = re.exec(run)) !== null) { groups.push([g.index, g.index + g[0].length]); }
      var i = 0;
      while (i < groups.length) {
        var best = -1;
        var count = 0;
        for (var j = i; j < groups.length; j++) {
          count += groups[j][1] - groups[j][0];
          if (count > 15) { break; }
          var from = i === 0 ? 0 : groups[i][0];
          var raw = run.slice(from, groups[j][1]);
          if (/^\(?[0-9]/.test(raw) || raw.charAt(0) === '+') {
            raw = raw.replace(/^\(/, '');
            if (phoneWindow(raw, raw.charAt(0) === '+')) { best = j; }
          }
        }
        if (best >= 0) {
          var start = hit[0] + (i === 0 ? 0 : groups[i][0]);
          var end = hit[0] + groups[best][1];
          if (variant.charAt(end) === ')') { end++; }
          found.push([start, end, phoneKey(variant.slice(start, end))]);
          i = best + 1;
        } else {
          i++;
        }
      }
    });
    return found;
  }

  // ------------------------------------------------------------------------------------
  // NIR and IBAN: shapes, then their mod-97 keys.

  var SEP = '[ .\\-]{0,2}';
  var NIR_RE = new RegExp(BEFORE + '[1-8](?:' + SEP + '[0-9]){4}' + SEP + '(?:[0-9]' + SEP + '[0-9]|2' + SEP +
    '[ABab])(?:' + SEP + '[0-9]){8}' + AFTER, 'g');

  function mod97(digits) {
    var rest = 0;
    for (var i = 0; i < digits.length; i++) {
      var code = digits.charCodeAt(i);
      var value = code <= 57 ? code - 48 : code - 55;  // A=10 ... Z=35
      rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
    }
    return rest;
  }

  function nirValid(value) {
    var compact = value.replace(/[ .\-]/g, '').toUpperCase();
    var department = compact.slice(5, 7);
    var body = compact.slice(0, 5) + (department === '2A' ? '19' : department === '2B' ? '18' : department) +
      compact.slice(7, 13);
    if (compact.length !== 15 || !/^[0-9]{13}$/.test(body)) { return false; }
    return 97 - mod97(body) === parseInt(compact.slice(13), 10);
  }

  var IBAN_RE = new RegExp(BEFORE + '([A-Za-z]{2}[0-9]{2}(?:[ \\-.]?[A-Za-z0-9]{1,4}){3,9})' + AFTER, 'g');

  function ibanValid(compact) {
    if (compact.length < 15 || compact.length > 34 || !/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(compact)) { return false; }
    return mod97(compact.slice(4) + compact.slice(0, 4)) === 1;
  }

  function findIbans(text) {
    var valid = [];
    var shaped = [];
    scan(IBAN_RE, text).forEach(function (hit) {
      var shape = hit[2][2];
      var groups = [];
      var re = /[A-Za-z0-9]+/g;
      var g;
      while ((g = re.exec(shape)) !== null) { groups.push(g.index + g[0].length); }
      if ((shape.match(/[0-9]/g) || []).length >= 10) { shaped.push([hit[0], hit[1]]); }
      // The shape may run into the next word: try the longest prefix of groups first.
      for (var last = groups.length; last > 0; last--) {
        var compact = shape.slice(0, groups[last - 1]).replace(/[^A-Za-z0-9]/g, '').toUpperCase();
        if (compact.length < 15) { break; }
        if (ibanValid(compact)) { valid.push([hit[0], hit[0] + groups[last - 1]]); break; }
      }
    });
    return { valid: valid, shaped: shaped };
  }

  // ------------------------------------------------------------------------------------
  // Street addresses.

  var NUM = '(^|[^' + WORD + ".,/'])([0-9]{1,4}(?:\\s?(?:bis|ter|quater|[a-d])(?![" + WORD + ']))?\\s*,?\\s*';
  var STRONG = 'rue|avenue|av\\.?|ave\\.?|boulevard|bd\\.?|bld\\.?|blvd\\.?|boul\\.?|impasse|imp\\.|' +
    'all[ée]e|all\\.|quai|traverse|trav\\.?|tsse|faubourg|fbg\\.?|mont[ée]e|lotissement|lot\\.|square|sq\\.|' +
    'sentier|hameau|esplanade|promenade|parvis|rond-point|rampe|villa|carrefour|cit[ée]\\s+(?:HLM|U)';
  var MEDIUM = 'chemin|chem\\.?|route|rte\\.?|r\\.';
  var WEAK = 'place|pl\\.|cours|voie|cit[ée]|passage|r[ée]sidence|r[ée]s\\.|domaine|parc|bastide';
  var CONNECTOR = '(?:(?:' + ['de', 'du', 'des', "d'", "l'", 'la', 'le', 'les', 'saint', 'sainte', 'st', 'ste']
    .map(ci).join('|') + '|' + ci('st') + '\\.|' + ci('ste') + '\\.)[\\s\\-]*)';
  var CAP_WORD = '[' + UP + '][' + LETTER + "'\\-]*[" + LETTER + ']';
  var ANY_WORD = '[' + LETTER + '0-9][' + LETTER + "0-9'\\-]*";
  var TAIL = '(?:[\\s\\-]+' + CONNECTOR + '*' + CAP_WORD + '){0,4}';
  var STREETS = [
    [new RegExp(NUM + '(?:' + STRONG + '))(?![' + WORD + '])', 'gi'),
      new RegExp('\\s*' + CONNECTOR + '*' + ANY_WORD + TAIL, 'y')],
    [new RegExp(NUM + '(?:' + MEDIUM + '))(?![' + WORD + '])', 'gi'),
      new RegExp('\\s*(?:' + CONNECTOR + '+' + ANY_WORD + '|' + CAP_WORD + ')' + TAIL, 'y')],
    [new RegExp(NUM + '(?:' + WEAK + '))(?![' + WORD + '])', 'gi'),
      new RegExp('\\s*' + CONNECTOR + '*(' + CAP_WORD + ')' + TAIL, 'y')]
  ];

  function findAddresses(text) {
    var spans = [];
    STREETS.forEach(function (pair, strength) {
      scan(pair[0], text).forEach(function (hit) {
        var rest = at(pair[1], text, hit[1]);
        if (!rest) { return; }
        if (strength === 2) {
          var street = rest[1].toLowerCase();
          if (NOT_A_STREET[street] || NOT_A_NAME[street]) { return; }
        }
        spans.push([hit[0], hit[1] + rest[0].length]);
      });
    });
    return spans;
  }

  // ------------------------------------------------------------------------------------
  // Dates of birth: only a date that a cue marks as a birth date.

  var MONTHS = 'janvier|janv\\.?|f[ée]vrier|f[ée]vr?\\.?|mars|avril|avr\\.?|mai|juin|juillet|juil\\.?|' +
    'ao[uû]t|septembre|sept\\.?|octobre|oct\\.?|novembre|nov\\.?|d[ée]cembre|d[ée]c\\.?|' +
    'january|february|march|april|may|june|july|august|september|october|november|december';
  var YEAR = '(?:1[89][0-9]{2}|20[0-9]{2})';
  var DATE = '(?:[0-3]?[0-9]\\s?[/.\\-]\\s?[01]?[0-9](?:\\s?[/.\\-]\\s?(?:[0-9]{4}|[0-9]{2}))?(?![0-9])' +
    '|' + YEAR + '-[01]?[0-9]-[0-3]?[0-9]' +
    '|(?:1er|[0-3]?[0-9])\\s*(?:' + MONTHS + ")(?:\\s*,?\\s*(?:[0-9]{4}|'?[0-9]{2}))?(?![" + WORD + '])' +
    '|(?:' + MONTHS + ')\\s+(?:[0-3]?[0-9],?\\s+)?' + YEAR + ')';
  var FILLER = '\\s*(?:\\([^)]{0,20}\\)\\s*)?' +
    "(?:(?:du|de\\s+la|de\\s+l'|de|d'|of\\s+the|of)\\s*[" + LETTER + "'\\-]+\\s*)?" +
    '(?:[:=\\-]|est|is|was|on|:?\\s*le)?\\s*';
  var NE = 'n[ée](?:e|\\(e\\)|\\.e|·e|-e)?s?(?![' + WORD + '])';
  var BORN_RES = [
    new RegExp(BEFORE + NE + '(?:\\s+(?:à|a|au|en)\\s+[' + LETTER + "'\\-]+(?:[\\s\\-]+[" + LETTER +
      "'\\-]+){0,2}\\s*,?)?\\s*(?:le|:|-|,)?\\s*" + DATE, 'gi'),
    new RegExp(BEFORE + NE + '\\s+en\\s+(?:(?:' + MONTHS + ")\\s+)?(?:" + YEAR + "|'?[0-9]{2})(?![0-9])", 'gi')
  ];
  var BIRTH_CUE_RES = [
    new RegExp(BEFORE + '(?:date\\s+de\\s+naiss(?:ance|\\.)?|d\\.?d\\.?n\\.?|date\\s+of\\s+birth|d\\.?o\\.?b\\.?' +
      '|birth\\s*date|ann[ée]e\\s+de\\s+naissance)(?![' + WORD + '])' + FILLER + '(?:' + DATE + '|' + YEAR + ')', 'gi'),
    new RegExp(BEFORE + '(?:naissance|born)(?![' + WORD + '])\\s*(?:le|:|-|on|in|en|=)?\\s*(?:' + DATE + '|' +
      YEAR + '(?![0-9]))', 'gi')
  ];

  function findBirthDates(text) {
    var spans = [];
    BIRTH_CUE_RES.forEach(function (re) {
      scan(re, text).forEach(function (hit) { spans.push([hit[0], hit[1]]); });
    });
    BORN_RES.forEach(function (re) {
      scan(re, text).forEach(function (hit) {
        // "le projet est né en 2022" is about a thing, not a person.
        if (!precededBy(text, hit[0], BORN_SUBJECTS, 6)) { spans.push([hit[0], hit[1]]); }
      });
    });
    return spans;
  }

  // ------------------------------------------------------------------------------------
  // Names: after a civility, or introduced as a name.

  var NAME_WORD = '[' + UP + "](?:'[" + UP + '])?[' + LO + "]+(?:[\\-'][" + UP + ']?[' + LO + ']+)*';
  var CAPS_WORD = '[' + UP + "](?:'[" + UP + '])?[' + UP + "]+(?:[\\-'][" + UP + ']+)*(?![' + LO + '])';
  var PARTICLES = words("de du des d' van von der den di da del della el al ben ibn bin ould le la");
  var PARTICLE = '(?:(?:' + Object.keys(PARTICLES).sort(function (a, b) { return b.length - a.length; })
    .join('|') + ')\\s*)';
  var CIVILITY = '(?:M\\.|M(?=\\s)|Mr\\.?|MR\\.?|Mrs\\.?|Ms\\.?|Mme\\.?|MME\\.?|Mmes\\.?|Mlle\\.?|MLLE\\.?|' +
    'Mlles\\.?|Melle\\.?|Mme/M\\.|' + ['monsieur', 'madame', 'mademoiselle', 'mme', 'mlle', 'melle'].map(ci).join('|') + ')';
  var CIVILITY_RE = new RegExp('(^|[^' + WORD + '.])(' + CIVILITY + ')\\s*((?:[' + UP + ']\\.\\s?)?' + PARTICLE +
    '?(?:' + NAME_WORD + '|' + CAPS_WORD + ')(?:[\\s\\-]+(?:' + NAME_WORD + '|' + CAPS_WORD + '))*)', 'g');
  var BARE_M_CONTEXT = /(?:[A-Z]{2,}|[0-9])[\s,]*$/;
  var LOWER_WORD = '[' + LETTER + '][' + LETTER + "'\\-]*[" + LETTER + ']';
  var INTRO_ANY_RE = new RegExp(BEFORE + "(?:je\\s+m(?:'\\s?|\\s+)app?ell?e|j'm'app?ell?e|mon\\s+(?:pr[ée])?nom\\s+(?:est|c'est)|" +
    "son\\s+(?:pr[ée])?nom\\s+(?:est|c'est)|(?:nom\\s+(?:de\\s+famille|d'usage|de\\s+naissance)" +
    '|nom\\s*(?:et|/|,|&)\\s*pr[ée]nom|pr[ée]nom\\s*(?:et|/|,|&)\\s*nom|pr[ée]nom|nom|identit[ée])\\s*[:=]' +
    '|my\\s+name\\s+is|name\\s*:)(?![' + WORD + '])', 'gi');
  var INTRO_ANY_NAME = new RegExp('\\s*(' + LOWER_WORD + '(?:[\\s\\-]+' + NAME_WORD + '|\\s+' + CAPS_WORD + ')*)', 'y');
  var INTRO_CAP_RE = new RegExp(BEFORE + "(?:s'\\s?app?ell?e(?:nt)?|s\\s+app?ell?e|m'\\s?app?ell?e|" +
    '(?:pr[ée]|d[ée]|sur)?nomm[ée]e?s?|du\\s+nom\\s+de|pr[ée]nom|(?:se|me)\\s+(?:pr[ée])?nomme)(?![' + WORD + '])', 'gi');
  var INTRO_CAP_NAME = new RegExp('\\s*:?\\s*((?:' + NAME_WORD + '|' + CAPS_WORD + ')(?:[\\s\\-]+(?:' + NAME_WORD +
    '|' + CAPS_WORD + '))*)', 'y');

  function plausible(name) {
    var first = name.trim().split(/[\s\-]+/)[0].toLowerCase().replace(/'+$/, '');
    return !NOT_A_NAME[first] && first.length >= 2;
  }

  function findNames(text) {
    var spans = [];
    scan(CIVILITY_RE, text).forEach(function (hit) {
      var m = hit[2];
      if (m[2] === 'M' && BARE_M_CONTEXT.test(text.slice(0, hit[0]))) { return; }
      var parts = m[3].split(/[\s\-]+/).filter(function (w) { return w && w.slice(-1) !== '.'; });
      while (parts.length && (PARTICLES[parts[0]] || /^(le|la|les)$/i.test(parts[0]))) { parts.shift(); }
      if (parts.length && plausible(parts[0])) { spans.push([hit[0], hit[1]]); }
    });
    scan(INTRO_ANY_RE, text).forEach(function (hit) {
      var name = at(INTRO_ANY_NAME, text, hit[1]);
      if (name && plausible(name[1])) { spans.push([hit[0], hit[1] + name[0].length]); }
    });
    scan(INTRO_CAP_RE, text).forEach(function (hit) {
      var name = at(INTRO_CAP_NAME, text, hit[1]);
      if (!name || !plausible(name[1]) || precededBy(text, hit[0], THING_SUBJECTS, 3)) { return; }
      spans.push([hit[0], hit[1] + name[0].length]);
    });
    return spans;
  }

  // ------------------------------------------------------------------------------------
  // Public API.

  function key(value) {
    return (value.toLowerCase().match(new RegExp('[' + WORD + ']+', 'g')) || []).join(' ');
  }

  function allowed(kind, fragment, allow, extra) {
    if (!allow.length) { return false; }
    if (kind === 'phone') {
      return allow.some(function (entry) {
        return findPhones(normalise(entry).text).some(function (p) { return p[2] === extra; });
      });
    }
    if (kind === 'email') {
      var email = canonicalEmail(fragment);
      return allow.some(function (entry) { return canonicalEmail(entry) === email; });
    }
    var k = ' ' + key(fragment) + ' ';
    return allow.some(function (entry) {
      var other = ' ' + key(entry) + ' ';
      return kind === 'address' ? (k.indexOf(other) >= 0 || other.indexOf(k) >= 0) : k === other;
    });
  }

  function overlaps(span, kept) {
    return kept.some(function (k) { return span[1] < k[2] && k[1] < span[2]; });
  }

  /** Return [{kind, label, start, end}] for every personal datum in text (empty when clean). */
  function check(text, allow) {
    if (typeof text !== 'string' || !text.trim()) { return []; }
    allow = allow || [];
    var n = normalise(text);
    var norm = n.text;
    var raw = [];
    var shaped = [];

    scan(NIR_RE, norm).forEach(function (hit) {
      shaped.push([hit[0], hit[1]]);
      if (nirValid(norm.slice(hit[0], hit[1]))) { raw.push(['nir', hit[0], hit[1]]); }
    });
    var ibans = findIbans(norm);
    shaped = shaped.concat(ibans.shaped);
    ibans.valid.forEach(function (s) { raw.push(['iban', s[0], s[1]]); });
    EMAIL_RES.forEach(function (re) {
      scan(re, norm).forEach(function (hit) { raw.push(['email', hit[0], hit[1]]); });
    });
    findPhones(norm).forEach(function (p) {
      // Digits inside a NIR or IBAN (even a mistyped one) are not a phone number.
      if (!shaped.some(function (s) { return p[0] < s[1] && s[0] < p[1]; })) { raw.push(['phone', p[0], p[1], p[2]]); }
    });
    findBirthDates(norm).forEach(function (s) { raw.push(['birth_date', s[0], s[1]]); });
    findAddresses(norm).forEach(function (s) { raw.push(['address', s[0], s[1]]); });
    findNames(norm).forEach(function (s) { raw.push(['name', s[0], s[1]]); });

    raw.sort(function (a, b) {
      return KINDS.indexOf(a[0]) - KINDS.indexOf(b[0]) || a[1] - b[1] || b[2] - a[2];
    });
    var kept = [];
    raw.forEach(function (r) { if (!overlaps(r, kept)) { kept.push(r); } });
    return kept
      .filter(function (r) { return !allowed(r[0], norm.slice(r[1], r[2]), allow, r[3]); })
      .map(function (r) {
        return { kind: r[0], label: LABELS[r[0]], start: n.index[r[1]], end: n.index[r[2] - 1] + 1 };
      })
      .sort(function (a, b) { return a.start - b.start || a.end - b.end; });
  }

  window.AffluenceGuard = { check: check, labels: LABELS };
})();
