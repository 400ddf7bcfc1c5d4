/*
 * Affluence personal-data guard, browser side: instant feedback while a note is typed.
 *
 * The server (app/privacy/guard.py) is the source of truth and runs again on save; this
 * mirrors its rules without libphonenumber, python-stdnum or the French name model, so phone
 * numbers are checked by shape (French national and "+"/"00" international forms), IBANs by
 * mod-97 only, and names only after a civility or an intro phrase.
 *
 * The word lists (civilities, street types, cue words...) are not typed here: they come from
 * the server (GET /api/v1/guard/rules, built from app/privacy/rules.py) and are kept in
 * localStorage for offline reloads. Until they arrive, only the checks that need no list run
 * (e-mail, phone, social-security number, IBAN, RIB, plates, passport shapes).
 *
 * Plain ES2017 script, no dependencies. Usage:
 *   window.AffluenceGuard.check(text [, allow]) -> [{kind, label, start, end}]
 *   window.AffluenceGuard.configure(rules)  (done by itself in a page)
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
    name: 'un nom de personne',
    rib: 'un RIB',
    france_travail_id: 'un identifiant France Travail',
    caf_number: "un numéro d'allocataire CAF",
    passport: 'un numéro de passeport',
    residence_permit: 'un numéro de titre de séjour',
    plate: "une plaque d'immatriculation",
    social: 'un compte de réseau social'
  };
  // Precedence when two findings overlap, most specific first; replaced by the server's.
  var KINDS = ['nir', 'iban', 'rib', 'passport', 'residence_permit', 'france_travail_id', 'caf_number',
    'plate', 'email', 'social', 'phone', 'birth_date', 'address', 'name'];

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
    list.forEach(function (w) { if (w) { set[w] = true; } });
    return set;
  }

  /** One alternation of regex fragments, longest first (as the server joins them). */
  function alt(fragments) {
    return fragments.slice().sort(function (a, b) { return b.length - a.length; }).join('|');
  }

  function escapeRe(word) { return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

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
  // The server's word lists: null until configure() receives them.

  var R = null;

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
    '[ABab])(?:' + SEP + '[0-9]){6}(?:' + SEP + '[0-9]' + SEP + '[0-9])?' + AFTER, 'g');

  function mod97(digits) {
    var rest = 0;
    for (var i = 0; i < digits.length; i++) {
      var code = digits.charCodeAt(i);
      var value = code <= 57 ? code - 48 : code - 55;  // A=10 ... Z=35
      rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
    }
    return rest;
  }

  /** A NIR's sex digit, month and length, whatever its key: a wrong key hides nothing. */
  function nirShaped(value) {
    var compact = value.replace(/[ .\-]/g, '').toUpperCase();
    if ((compact.length !== 13 && compact.length !== 15) || '1278'.indexOf(compact.charAt(0)) < 0) { return false; }
    var month = parseInt(compact.slice(3, 5), 10);
    if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || (month >= 50 && month <= 99))) { return false; }
    // Thirteen characters without separators are too easily another number.
    return compact.length === 15 || value !== compact;
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
  // Patterns built from the server's lists (see configure), then the finders using them.

  var CAP_WORD = '[' + UP + '][' + LETTER + "'\\-]*[" + LETTER + ']';
  var ANY_WORD = '[' + LETTER + '0-9][' + LETTER + "0-9'\\-]*";
  var NAME_WORD = '[' + UP + "](?:'[" + UP + '])?[' + LO + "]+(?:[\\-'][" + UP + ']?[' + LO + ']+)*';
  var CAPS_WORD = '[' + UP + "](?:'[" + UP + '])?[' + UP + "]+(?:[\\-'][" + UP + ']+)*(?![' + LO + '])';
  var LOWER_WORD = '[' + LETTER + '][' + LETTER + "'\\-]*[" + LETTER + ']';
  var NUM = '(^|[^' + WORD + ".,/'])([0-9]{1,4}(?:\\s?(?:bis|ter|quater|[a-d])(?![" + WORD + ']))?\\s*,?\\s*';
  var YEAR = '(?:1[89][0-9]{2}|20[0-9]{2})';
  var NO = '(?:\\s*(?:n°|n[o°º]\\.?|num[ée]ro|num\\.?|#)\\s*)?\\s*[:=]?\\s*';
  // Values read after their cue, each ending on a word boundary.
  var RIB_VALUE = '([0-9A-Za-z](?:[ .\\-]?[0-9A-Za-z]){14,30})(?![' + WORD + '])';
  var FT_VALUE = '([0-9]{7}[0-9A-Za-z]?|[0-9]{11})(?![' + WORD + '])';
  var CAF_VALUE = '((?:[0-9]{2,3}\\s)?[0-9]{6,8}[A-Za-z]?)(?![' + WORD + '])';
  var PASSPORT_VALUE = '((?=(?:[A-Za-z]*[0-9]){4})[0-9A-Za-z]{6,12})(?![' + WORD + '])';
  var PERMIT_VALUE = '((?=(?:[A-Za-z ]*[0-9]){8})[0-9A-Za-z](?:[ ]?[0-9A-Za-z]){7,14})(?![' + WORD + '])';
  var BARE_M_CONTEXT = /(?:[A-Z]{2,}|[0-9])[\s,]*$/;
  var P = null;  // the compiled patterns

  /** Build every list-dependent pattern from the server's rules (same shapes as guard.py). */
  function build(rules) {
    var p = {};
    p.notAName = words(rules.notAName);
    p.thingSubjects = words(rules.thingSubjects);
    p.bornSubjects = words(rules.thingSubjects.concat(rules.bornThings));
    p.notAStreet = words(rules.notAStreet);
    p.particles = words(rules.particles);
    p.publicHandles = rules.publicHandles;
    p.publicPhonePrefixes = rules.publicPhonePrefixes;

    // Street addresses with a number.
    var connector = '(?:(?:' + rules.streetConnectors.map(ci).join('|') + ')[\\s\\-]*)';
    var tail = '(?:[\\s\\-]+' + connector + '*' + CAP_WORD + '){0,4}';
    p.streets = [
      [new RegExp(NUM + '(?:' + alt(rules.streetStrong) + '))(?![' + WORD + '])', 'gi'),
        new RegExp('\\s*' + connector + '*' + ANY_WORD + tail, 'y')],
      [new RegExp(NUM + '(?:' + alt(rules.streetMedium) + '))(?![' + WORD + '])', 'gi'),
        new RegExp('\\s*(?:' + connector + '+' + ANY_WORD + '|' + CAP_WORD + ')' + tail, 'y')],
      [new RegExp(NUM + '(?:' + alt(rules.streetWeak) + '))(?![' + WORD + '])', 'gi'),
        new RegExp('\\s*' + connector + '*(' + CAP_WORD + ')' + tail, 'y')]
    ];
    // Without a number: a street after a living cue; flats, buildings and residences.
    var streetAny = alt(rules.streetStrong.concat(rules.streetMedium, rules.streetWeak));
    p.addressCue = new RegExp(BEFORE + '(?:' + alt(rules.addressCues) + ')(?![' + WORD + '])' +
      "\\s*[:,]?(?:\\s*[:,]?\\s*(?:au|aux|à|a|en|sur|dans|chez|vers|du|de|d'|la|le|l'|les|une|un|même|meme|toujours)" +
      '(?![' + WORD + ']))*\\s*(' + streetAny + ')(?![' + WORD + '])', 'gi');
    p.addressName = new RegExp('\\s*(' + connector + '*' + ANY_WORD + ')' + tail, 'y');
    p.weakType = new RegExp('^(?:' + alt(rules.streetWeak) + ')$', 'i');
    p.flat = new RegExp(BEFORE + '(?:' + alt(rules.flatWords) + ')(?![' + WORD + '])\\s*(?:n°|n[o°º]\\.?|num[ée]ro)?\\s*' +
      '[0-9]{1,4}[A-Za-z]?(?![' + WORD + '])(?!\\s*(?:pi[èe]ces?|p(?![' + WORD + '])|chambres?|m2|m²|m(?![' + WORD +
      '])|ans?(?![' + WORD + '])|mois|personnes?|%))', 'gi');
    p.building = new RegExp(BEFORE + '(?:' + alt(rules.buildingWords) + ')(?![' + WORD + '])\\s*(?:n°)?\\s*' +
      '(?:[A-Z]|[0-9]{1,3})(?![' + WORD + '])', 'gi');
    p.residence = new RegExp(BEFORE + '(?:' + alt(rules.residenceWords) + ')(?![' + WORD + '])', 'gi');
    p.residenceName = new RegExp('\\s*' + connector + '*(' + CAP_WORD + ')' + tail, 'y');

    // Phone numbers in words.
    var token = '(?:' + alt(rules.numberWords) + '|[0-9]{1,2})';
    p.numberToken = new RegExp(token, 'gi');
    p.numberRun = new RegExp(BEFORE + token + '(?:[\\s\\-,.]+(?:et[\\s\\-]+)?' + token + ')+(?![' + WORD + '])', 'gi');
    p.phoneCueBefore = new RegExp('(?:^|[^' + WORD + '])(?:' + alt(rules.phoneCues) + ')(?![' + WORD + '])[^.;!?]{0,25}$', 'i');

    // Dates of birth.
    var months = alt(rules.months);
    var date = '(?:[0-3]?[0-9]\\s?[/.\\-]\\s?[01]?[0-9](?:\\s?[/.\\-]\\s?(?:[0-9]{4}|[0-9]{2}))?(?![0-9])' +
      '|[0-3]?[0-9]\\s[01]?[0-9]\\s(?:[0-9]{4}|[0-9]{2})(?![0-9])' +
      '|[0-3][0-9][01][0-9](?:19|20)[0-9]{2}(?![0-9])' +
      '|' + YEAR + '[\\-/.][01]?[0-9][\\-/.][0-3]?[0-9](?![0-9])' +
      '|(?:1er|premier|[0-3]?[0-9])\\s*(?:' + months + ")(?:\\s*,?\\s*(?:[0-9]{4}|'?[0-9]{2}))?(?![" + WORD + '])' +
      '|(?:' + months + ')\\s+(?:[0-3]?[0-9],?\\s+)?' + YEAR + ')';
    var filler = '\\s*(?:\\([^)]{0,20}\\)\\s*)?' +
      "(?:(?:du|de\\s+la|de\\s+l'|de|d'|of\\s+the|of)\\s*[" + LETTER + "'\\-]+\\s*)?" +
      '(?:[:=\\-]|est|is|was|on|:?\\s*le)?\\s*';
    var ne = 'n[ée](?:e|\\(e\\)|\\.e|·e|-e)?s?(?![' + WORD + '])';
    p.born = [
      new RegExp(BEFORE + ne + '(?:\\s+(?:à|a|au|en)\\s+[' + LETTER + "'\\-]+(?:[\\s\\-]+[" + LETTER +
        "'\\-]+){0,2}\\s*,?)?\\s*(?:le|:|-|,)?\\s*" + date, 'gi'),
      new RegExp(BEFORE + ne + '\\s+en\\s+(?:(?:' + months + ")\\s+)?(?:" + YEAR + "|'?[0-9]{2})(?![0-9])", 'gi')
    ];
    p.birthCues = [
      new RegExp(BEFORE + '(?:' + alt(rules.birthCues) + ')(?![' + WORD + '])' + filler + '(?:' + date + '|' + YEAR + ')', 'gi'),
      new RegExp(BEFORE + '(?:naissance|born)(?![' + WORD + '])\\s*(?:le|:|-|on|in|en|=)?\\s*(?:' + date + '|' +
        YEAR + '(?![0-9]))', 'gi')
    ];

    // Names after a civility or an intro phrase.
    var particle = '(?:(?:' + rules.particles.slice().sort(function (a, b) { return b.length - a.length; })
      .join('|') + ')\\s*)';
    var civility = '(?:M\\.|M(?=\\s)|Mr\\.?|MR\\.?|Mrs\\.?|Ms\\.?|Mme\\.?|MME\\.?|Mmes\\.?|Mlle\\.?|MLLE\\.?|' +
      'Mlles\\.?|Melle\\.?|Mme/M\\.|' + rules.civilityWords.map(ci).join('|') + ')';
    p.civility = new RegExp('(^|[^' + WORD + '.])(' + civility + ')\\s*((?:[' + UP + ']\\.\\s?)?' + particle +
      '?(?:' + NAME_WORD + '|' + CAPS_WORD + ')(?:[\\s\\-]+(?:' + NAME_WORD + '|' + CAPS_WORD + '))*)', 'g');
    p.introAny = new RegExp(BEFORE + '(?:' + rules.introAny.join('|') + ')(?![' + WORD + '])', 'gi');
    p.introAnyName = new RegExp('\\s*(' + LOWER_WORD + '(?:[\\s\\-]+' + NAME_WORD + '|\\s+' + CAPS_WORD + ')*)', 'y');
    p.introCap = new RegExp(BEFORE + '(?:' + rules.introCap.join('|') + ')(?![' + WORD + '])', 'gi');
    p.introCapName = new RegExp('\\s*:?\\s*((?:' + NAME_WORD + '|' + CAPS_WORD + ')(?:[\\s\\-]+(?:' + NAME_WORD +
      '|' + CAPS_WORD + '))*)', 'y');

    // Identifiers introduced by their cue (the value is read case-sensitively after it).
    var ft = "(?:france\\s*travail|p[ôo]le[\\s\\-]*emploi|ft|pe)";
    p.ribCue = new RegExp(BEFORE + '(?:' + alt(rules.ribCues) + ')(?![' + WORD + '])' + NO + RIB_VALUE, 'gi');
    p.ftCue = new RegExp(BEFORE + '(?:(?:' + alt(rules.franceTravailCues) + ')(?:\\s+' + ft + ')?|' + ft + ')' +
      '(?![' + WORD + '])' + NO + FT_VALUE, 'gi');
    p.cafCue = new RegExp(BEFORE + '(?:' + alt(rules.cafCues) + ')(?![' + WORD + "])(?:\\s+(?:de|d'|du)?\\s*[" +
      LETTER + '\\-]+)?' + NO + CAF_VALUE, 'gi');
    p.passportCue = new RegExp(BEFORE + '(?:' + alt(rules.passportCues) + ')(?![' + WORD + '])(?:\\s+[' + LETTER +
      ']+){0,2}' + NO + PASSPORT_VALUE, 'gi');
    p.permitCue = new RegExp(BEFORE + '(?:' + alt(rules.residencePermitCues) + ')(?![' + WORD + "])(?:\\s+[" + LETTER +
      "']+){0,3}" + NO + PERMIT_VALUE, 'gi');
    p.plateCue = new RegExp(BEFORE + '(?:' + alt(rules.plateCues) + ')(?![' + WORD + '])', 'gi');
    p.social = new RegExp(BEFORE + '(?:https?://)?(?:www\\.)?(?:' + alt(rules.socialSites) + ')/?[^\\s,;()<>]+', 'gi');
    return p;
  }

  // Cue-less identifier shapes: these need no list.
  var PLATE_LETTERS = 'A-HJ-NP-TV-Z';
  var RIB_RE = new RegExp(BEFORE + '[0-9]{5}[ .\\-]?[0-9]{5}[ .\\-]?[0-9A-Za-z]{11}[ .\\-]?[0-9]{2}' + AFTER, 'g');
  var FT_ID_RE = new RegExp(BEFORE + '[0-9]{7}[A-Z]' + AFTER, 'g');
  var PASSPORT_RE = new RegExp(BEFORE + '[0-9]{2}[A-Z]{2}[0-9]{5}' + AFTER, 'g');
  var PLATE_RE = new RegExp(BEFORE + '(?:[' + PLATE_LETTERS + ']{2}[\\- ][0-9]{3}[\\- ][' + PLATE_LETTERS + ']{2}|[' +
    PLATE_LETTERS + ']{2}[0-9]{3}[' + PLATE_LETTERS + ']{2})' + AFTER, 'g');
  var PLATE_OLD = new RegExp('[^.;\\n]{0,20}?([0-9]{1,4}[ \\-]?[A-Z]{1,3}[ \\-]?(?:[0-9]{2}|2A|2B|97[1-6]))(?![' +
    WORD + '])', 'y');
  var HANDLE_RE = new RegExp('(^|[^' + WORD + '.@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![' + WORD + '@])', 'g');

  /** Cue and value in one pattern, so that the cue's optional words give way to the value. */
  function cued(re, text, kind, found, check) {
    scan(re, text).forEach(function (hit) {
      if (!check || check(hit[2][hit[2].length - 1])) { found.push([kind, hit[0], hit[1]]); }
    });
  }

  function findIdentifiers(text) {
    var found = [];
    scan(RIB_RE, text).forEach(function (h) { found.push(['rib', h[0], h[1]]); });
    scan(FT_ID_RE, text).forEach(function (h) { found.push(['france_travail_id', h[0], h[1]]); });
    scan(PASSPORT_RE, text).forEach(function (h) { found.push(['passport', h[0], h[1]]); });
    scan(PLATE_RE, text).forEach(function (h) { found.push(['plate', h[0], h[1]]); });
    if (!P) { return found; }
    scan(P.plateCue, text).forEach(function (hit) {
      var value = at(PLATE_OLD, text, hit[1]);
      if (value) {
        var end = hit[1] + value[0].length;
        found.push(['plate', end - value[1].length, end]);
      }
    });
    cued(P.ribCue, text, 'rib', found, function (v) { return (v.match(/[0-9]/g) || []).length >= 15; });
    cued(P.ftCue, text, 'france_travail_id', found);
    cued(P.cafCue, text, 'caf_number', found);
    cued(P.passportCue, text, 'passport', found);
    cued(P.permitCue, text, 'residence_permit', found);
    scan(P.social, text).forEach(function (h) { found.push(['social', h[0], h[1]]); });
    scan(HANDLE_RE, text).forEach(function (hit) {
      var handle = hit[2][2].toLowerCase();
      if (!P.publicHandles.some(function (h) { return handle.indexOf(h) >= 0; })) { found.push(['social', hit[0], hit[1]]); }
    });
    return found;
  }

  function findPhoneWords(text) {
    var spans = [];
    scan(P.numberRun, text).forEach(function (hit) {
      var tokens = hit[2][0].slice(hit[2][1].length).match(P.numberToken) || [];
      var wordsOnly = tokens.filter(function (t) { return !/^[0-9]+$/.test(t); });
      var zero = /^(?:z[ée]ro|0)$/i.test(tokens[0] || '');
      var cue = P.phoneCueBefore.test(text.slice(0, hit[0]));
      if (wordsOnly.length >= 2 && tokens.length >= 5 && (zero || (cue && tokens.length >= 6))) {
        spans.push([hit[0], hit[1]]);
      }
    });
    return spans;
  }

  function findAddresses(text) {
    var spans = [];
    P.streets.forEach(function (pair, strength) {
      scan(pair[0], text).forEach(function (hit) {
        var rest = at(pair[1], text, hit[1]);
        if (!rest) { return; }
        if (strength === 2) {
          var street = rest[1].toLowerCase();
          if (P.notAStreet[street] || P.notAName[street]) { return; }
        }
        spans.push([hit[0], hit[1] + rest[0].length]);
      });
    });
    scan(P.addressCue, text).forEach(function (hit) {
      var rest = at(P.addressName, text, hit[1]);
      if (!rest) { return; }
      var name = rest[1].trim().split(/[\s\-]+/).pop();
      if (P.weakType.test(hit[2][2]) && name.charAt(0) === name.charAt(0).toLowerCase()) { return; }
      if (P.notAStreet[name.toLowerCase()]) { return; }
      spans.push([hit[0], hit[1] + rest[0].length]);
    });
    var flats = scan(P.flat, text).map(function (h) { return [h[0], h[1]]; });
    var parts = scan(P.building, text).map(function (h) { return [h[0], h[1]]; });
    scan(P.residence, text).forEach(function (hit) {
      var rest = at(P.residenceName, text, hit[1]);
      if (!rest) { return; }
      var name = rest[1].toLowerCase();
      if (P.notAStreet[name] || name === 'métiers' || name === 'metiers') { return; }
      parts.push([hit[0], hit[1] + rest[0].length]);
    });
    spans = spans.concat(flats);
    parts.forEach(function (span) {
      var near = parts.concat(flats).some(function (o) {
        return o !== span && Math.abs(o[0] - span[1]) <= 40 && Math.abs(span[0] - o[1]) <= 40;
      });
      if (near) { spans.push(span); }
    });
    return spans;
  }

  function findBirthDates(text) {
    var spans = [];
    P.birthCues.forEach(function (re) {
      scan(re, text).forEach(function (hit) { spans.push([hit[0], hit[1]]); });
    });
    P.born.forEach(function (re) {
      scan(re, text).forEach(function (hit) {
        // "le projet est né en 2022" is about a thing, not a person.
        if (!precededBy(text, hit[0], P.bornSubjects, 6)) { spans.push([hit[0], hit[1]]); }
      });
    });
    return spans;
  }

  function plausible(name) {
    var first = name.trim().split(/[\s\-]+/)[0].toLowerCase().replace(/'+$/, '');
    return !P.notAName[first] && first.length >= 2;
  }

  function findNames(text) {
    var spans = [];
    scan(P.civility, text).forEach(function (hit) {
      var m = hit[2];
      if (m[2] === 'M' && BARE_M_CONTEXT.test(text.slice(0, hit[0]))) { return; }
      var parts = m[3].split(/[\s\-]+/).filter(function (w) { return w && w.slice(-1) !== '.'; });
      while (parts.length && (P.particles[parts[0]] || /^(le|la|les)$/i.test(parts[0]))) { parts.shift(); }
      if (parts.length && plausible(parts[0])) { spans.push([hit[0], hit[1]]); }
    });
    scan(P.introAny, text).forEach(function (hit) {
      var name = at(P.introAnyName, text, hit[1]);
      if (name && plausible(name[1])) { spans.push([hit[0], hit[1] + name[0].length]); }
    });
    scan(P.introCap, text).forEach(function (hit) {
      var name = at(P.introCapName, text, hit[1]);
      if (!name || !plausible(name[1]) || precededBy(text, hit[0], P.thingSubjects, 3)) { return; }
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
      if (nirShaped(norm.slice(hit[0], hit[1]))) { raw.push(['nir', hit[0], hit[1]]); }
    });
    var ibans = findIbans(norm);
    shaped = shaped.concat(ibans.shaped);
    ibans.valid.forEach(function (s) { raw.push(['iban', s[0], s[1]]); });
    findIdentifiers(norm).forEach(function (f) { shaped.push([f[1], f[2]]); raw.push(f); });
    EMAIL_RES.forEach(function (re) {
      scan(re, norm).forEach(function (hit) { raw.push(['email', hit[0], hit[1]]); });
    });
    var prefixes = P ? P.publicPhonePrefixes : [];
    findPhones(norm).forEach(function (p) {
      // Digits inside a NIR, an IBAN or another identifier are not a phone number,
      // and the free and shared-cost service lines (0 800...) are nobody's.
      if (shaped.some(function (s) { return p[0] < s[1] && s[0] < p[1]; })) { return; }
      if (prefixes.some(function (prefix) { return p[2].indexOf(prefix) === 0; })) { return; }
      raw.push(['phone', p[0], p[1], p[2]]);
    });
    if (P) {
      findPhoneWords(norm).forEach(function (s) { raw.push(['phone', s[0], s[1]]); });
      findBirthDates(norm).forEach(function (s) { raw.push(['birth_date', s[0], s[1]]); });
      findAddresses(norm).forEach(function (s) { raw.push(['address', s[0], s[1]]); });
      findNames(norm).forEach(function (s) { raw.push(['name', s[0], s[1]]); });
    }

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

  /** Take the server's word lists (GET /api/v1/guard/rules) and build the patterns. */
  function configure(rules) {
    P = build(rules);
    if (rules.kinds && rules.kinds.length) { KINDS = rules.kinds.slice(); }
    return true;
  }

  var STORE_KEY = 'affluence.guardRules';

  /** In a page: use the last lists kept on this device at once, then ask the server. */
  function autoload() {
    if (typeof window.fetch !== 'function') { return; }
    try {
      var kept = window.localStorage && window.localStorage.getItem(STORE_KEY);
      if (kept) { configure(JSON.parse(kept)); }
    } catch (e) { /* private browsing or a stale copy: wait for the server */ }
    window.fetch('/api/v1/guard/rules', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        var type = response.headers.get('Content-Type') || '';
        return response.ok && type.indexOf('application/json') === 0 ? response.json() : null;
      })
      .then(function (rules) {
        if (!rules) { return; }
        configure(rules);
        try { window.localStorage.setItem(STORE_KEY, JSON.stringify(rules)); } catch (e) { /* full: fine */ }
      })
      .catch(function () { /* offline: the kept copy (if any) stays in use; the server decides */ });
  }

  window.AffluenceGuard = {
    check: check, labels: LABELS, configure: configure,
    ready: function () { return P !== null; }
  };
  autoload();
})();
