/* The interview form: chips filtered by pole, target pickers, a live personal-data check on
 * the note, and (new interviews) submission through the IndexedDB outbox, so a form filled
 * while the network is down is kept and a resubmitted form is stored once (same UUID).
 */
(function () {
  'use strict';

  var form = document.getElementById('interview-form');
  if (!form) { return; }
  var config = JSON.parse(document.getElementById('interview-config').textContent);
  var t = JSON.parse(document.getElementById('interview-i18n').textContent);
  var mode = form.getAttribute('data-mode');
  var O = window.AffluenceOutbox;
  // The page as the browser received it, before this script changes anything: handed to the
  // service worker on the first visit, so keeping it for offline use costs no second download.
  var pageSnapshot = '<!doctype html>\n' + document.documentElement.outerHTML;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function targetName(code) { return 'target_' + code.replace(/-/g, '_'); }
  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : '';
  }
  function setChecked(name, value) {
    $all('input[name="' + name + '"]', form).forEach(function (input) {
      input.checked = value !== null && value !== undefined && input.value === String(value);
    });
  }

  /* ---------- errors next to the fields ---------- */

  // The server names fields as the API does; the page shows them where the input is.
  function errorKey(field) {
    if (field === 'started_at') { return 'started_time'; }
    if (field.indexOf('profile.') === 0) { return field.slice(8); }
    if (field.indexOf('outcomes.') === 0) { return targetName(field.slice(9)); }
    return field;
  }

  function showError(field, message) {
    var key = errorKey(field);
    var el = document.getElementById('err-' + key);
    if (!el) {
      var box = $('#form-errors');
      box.hidden = false;
      var p = document.createElement('p');
      p.textContent = message;
      box.appendChild(p);
      return box;
    }
    el.textContent = message;
    el.hidden = false;
    var holder = el.closest('.ifield, .iblock, .profile-row, .target');
    if (holder) { holder.classList.add('has-error'); }
    var input = document.getElementById(key);
    if (input) { input.setAttribute('aria-invalid', 'true'); }
    return input || (holder && holder.querySelector('input')) || el;
  }

  function clearError(key) {
    var el = document.getElementById('err-' + key);
    if (el) {
      el.hidden = true;
      el.textContent = '';
      var holder = el.closest('.ifield, .iblock, .profile-row, .target');
      if (holder) { holder.classList.remove('has-error'); }
    }
    var input = document.getElementById(key);
    if (input) { input.removeAttribute('aria-invalid'); }
  }

  function clearErrors() {
    $all('[data-error-for]', form).forEach(function (el) { clearError(el.getAttribute('data-error-for')); });
    var box = $('#form-errors');
    box.hidden = true;
    box.textContent = '';
  }

  function reasonOf(result) {
    var prefix = result.field + ': ';
    return result.error && result.error.indexOf(prefix) === 0 ? result.error.slice(prefix.length) : result.error;
  }

  /* ---------- pole: themes and reorientation targets follow it ---------- */

  function applyPole() {
    var pole = checked('pole');
    $all('.theme-group', form).forEach(function (group) {
      var visible = group.getAttribute('data-pole') === pole;
      group.hidden = !visible;
      if (!visible) { $all('input', group).forEach(function (input) { input.checked = false; }); }
    });
    $all('.target[data-target-kind="pole"] input', form).forEach(function (input) {
      input.disabled = input.value === pole;
      if (input.disabled) { input.checked = false; }
    });
  }

  /* ---------- outcomes: show each target picker when its outcome is ticked ---------- */

  function applyOutcomes() {
    $all('.target', form).forEach(function (target) {
      var code = target.getAttribute('data-target-for');
      var on = $('#outcome-' + code).checked;
      target.hidden = !on;
      if (!on) {
        $all('input', target).forEach(function (input) { input.checked = false; });
        clearError(targetName(code));
      }
    });
    echoPartner();
  }

  // The appointment is usually made where the visitor was referred: a partner picker that
  // opens empty offers the partner already chosen in another one.
  function echoPartner() {
    var targets = $all('.target[data-target-kind="partner"]', form).filter(function (t) { return !t.hidden; });
    var chosen = null;
    targets.forEach(function (target) {
      chosen = chosen || checked(targetName(target.getAttribute('data-target-for'))) || null;
    });
    if (!chosen) { return; }
    targets.forEach(function (target) {
      var name = targetName(target.getAttribute('data-target-for'));
      if (!checked(name)) { setChecked(name, chosen); }
    });
  }

  /* ---------- duration presets ---------- */

  var duration = $('#duration_min');
  function applyDuration() {
    $all('[data-duration]', form).forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-duration') === duration.value));
    });
  }

  /* ---------- the note: length and the personal-data guard, as one types ---------- */

  var note = $('#note');
  var guardTimer = null;

  function guardFindings(text) {
    if (!window.AffluenceGuard || !text.trim()) { return []; }
    return window.AffluenceGuard.check(text, config.allow || []);
  }

  function guardMessage(findings) {
    var parts = findings.map(function (f) {
      return fill(t.guardAt, { label: f.label, from: f.start + 1, to: f.end });
    });
    return fill(findings.length > 1 ? t.guardMany : t.guardOne, { what: parts.join(' ; ') });
  }

  /* Return the note's problem in plain French, or '' when it may be sent. */
  function checkNote() {
    var text = note.value;
    $('[data-count]', form).textContent = String(text.length);
    if (text.length > config.noteMax) { return t.noteTooLong; }
    var findings = guardFindings(text);
    return findings.length ? guardMessage(findings) : '';
  }

  function renderNote() {
    var problem = checkNote();
    if (problem) { showError('note', problem); } else { clearError('note'); }
    return problem;
  }

  /* ---------- date and time: "now" until the counsellor changes them ---------- */

  var dateInput = $('#started_date');
  var timeInput = $('#started_time');
  var whenTouched = mode !== 'new';

  // The site's wall clock (clock.js): year, month, day, hour and minute of an instant.
  var clock = window.AffluenceClock;
  function parisParts(date) {
    var p = clock.parts(date);
    var ymd = p.day.split('-');
    var hm = p.time.split(':');
    return { year: ymd[0], month: ymd[1], day: ymd[2], hour: hm[0], minute: hm[1] };
  }

  /* The instant of a Paris wall-clock date and time, DST-correct, as ISO 8601. */
  function parisInstant(day, time) {
    return clock.instant(day, time).toISOString();
  }

  function showNow() {
    if (whenTouched) { return; }
    var p = parisParts(new Date());
    dateInput.value = p.year + '-' + p.month + '-' + p.day;
    timeInput.value = p.hour + ':' + p.minute;
  }

  /* ---------- the payload, as POST /api/v1/interviews expects it ---------- */

  function payload(id) {
    var data = new FormData(form);
    var outcomes = data.getAll('outcomes').map(function (code) {
      var kind = config.targets[code];
      if (!kind) { return code; }
      var item = { code: code };
      item[kind] = data.get(targetName(code)) || null;
      return item;
    });
    var profile = {};
    ['status', 'age_band', 'gender', 'first_visit'].forEach(function (c) { profile[c] = data.get(c) || null; });
    return {
      id: id,
      started_at: whenTouched ? parisInstant(dateInput.value, timeInput.value) : new Date().toISOString(),
      duration_min: Number(duration.value),
      channel: data.get('channel') || null,
      site: data.get('site') || null,
      pole: data.get('pole') || null,
      partner: data.get('partner') || null,
      profile: profile,
      themes: data.getAll('themes'),
      outcomes: outcomes,
      note: note.value.trim()
    };
  }

  /* Check what the page can check; return the first field in error, or null. */
  function validate() {
    var problems = [];
    if (!dateInput.value) { problems.push(['started_date', t.dateRequired]); }
    if (!timeInput.value) { problems.push(['started_time', t.timeRequired]); }
    if (dateInput.value && timeInput.value && whenTouched &&
        new Date(parisInstant(dateInput.value, timeInput.value)).getTime() > Date.now() + 10 * 60000) {
      problems.push(['started_time', t.future]);
    }
    var minutes = Number(duration.value);
    if (!/^\d+$/.test(duration.value) || minutes < 1 || minutes > config.maxDuration) {
      problems.push(['duration_min', t.duration]);
    }
    if (!checked('channel')) { problems.push(['channel', t.chooseChannel]); }
    if (!checked('pole')) { problems.push(['pole', t.choosePole]); }
    if (!$('#partner').value) { problems.push(['partner', t.choosePartner]); }
    $all('.target', form).forEach(function (target) {
      var code = target.getAttribute('data-target-for');
      if (!target.hidden && !checked(targetName(code))) {
        problems.push([targetName(code),
          target.getAttribute('data-target-kind') === 'pole' ? t.targetPole : t.targetPartner]);
      }
    });
    var noteProblem = checkNote();
    if (noteProblem) { problems.push(['note', noteProblem]); }
    var first = null;
    problems.forEach(function (problem) {
      var el = showError(problem[0], problem[1]);
      first = first || el;
    });
    return first;
  }

  function focusFirst(el) {
    if (!el) { return; }
    if (el.scrollIntoView) { el.scrollIntoView({ block: 'center' }); }
    if (el.focus) { el.focus({ preventScroll: true }); }
  }

  /* ---------- an interview with neither theme nor outcome: asked once ---------- */

  var confirmBox = $('#confirm-empty');
  var askedEmpty = false;

  function nothingChosen() {
    return !form.querySelector('input[name="themes"]:checked') &&
      !form.querySelector('input[name="outcomes"]:checked');
  }

  function forgetEmptyQuestion() {
    askedEmpty = false;
    confirmBox.hidden = true;
  }

  /* True when the save may go on; otherwise ask, once, and say false. */
  function emptyConfirmed() {
    if (!nothingChosen()) { return true; }
    if (askedEmpty) {
      confirmBox.hidden = true;
      return true;
    }
    askedEmpty = true;
    confirmBox.hidden = false;
    if (confirmBox.scrollIntoView) { confirmBox.scrollIntoView({ block: 'center' }); }
    $('#confirm-empty-save').focus({ preventScroll: true });
    return false;
  }

  $('#confirm-empty-back').addEventListener('click', function () {
    forgetEmptyQuestion();
    var first = $all('.theme-group:not([hidden]) input, input[name="outcomes"]', form)[0];
    focusFirst(first);
  });

  /* ---------- the channel: back to "Sur place" unless pinned; the duration says it is the last one ---------- */

  var pinButton = $('#pin-channel');
  var pinKey = 'affluence.pinnedChannel.' + form.getAttribute('data-counsellor');
  var rememberedTag = $('#duration-remembered');
  var rememberedDuration = rememberedTag ? duration.value : null;

  function pinnedChannel() {
    try { return localStorage.getItem(pinKey) || ''; } catch (e) { return ''; }
  }

  function pinChannel(code) {
    try {
      if (code) { localStorage.setItem(pinKey, code); } else { localStorage.removeItem(pinKey); }
    } catch (e) { /* private browsing: the pin lasts as long as the page */ }
    renderPin(code);
  }

  function renderPin(code) {
    if (!pinButton) { return; }
    pinButton.setAttribute('aria-pressed', String(Boolean(code)));
    $('#pin-hint').textContent = code ? t.pinned : t.unpinned;
  }

  function openingChannel() {
    setChecked('channel', pinnedChannel() || 'in_person');
  }

  function showRemembered() {
    if (rememberedTag) { rememberedTag.hidden = duration.value !== rememberedDuration; }
  }

  /* ---------- wiring common to both modes ---------- */

  $all('input[name="pole"]', form).forEach(function (input) {
    input.addEventListener('change', function () { clearError('pole'); applyPole(); });
  });
  $all('input[name="outcomes"]', form).forEach(function (input) {
    input.addEventListener('change', function () { clearError('outcomes'); applyOutcomes(); });
  });
  $all('input[name="outcomes"], input[name="themes"]', form).forEach(function (input) {
    input.addEventListener('change', function () { if (!nothingChosen()) { forgetEmptyQuestion(); } });
  });
  if (pinButton) {
    var storedPin = pinnedChannel();
    if (storedPin) { setChecked('channel', storedPin); }
    renderPin(storedPin);
    pinButton.hidden = false;
    $('#pin-hint').hidden = false;
    pinButton.addEventListener('click', function () {
      pinChannel(pinnedChannel() ? '' : (checked('channel') || 'in_person'));
    });
    $all('input[name="channel"]', form).forEach(function (input) {
      input.addEventListener('change', function () { if (pinnedChannel()) { pinChannel(input.value); } });
    });
  }
  $all('.target[data-target-kind="partner"] input', form).forEach(function (input) {
    input.addEventListener('change', echoPartner);
  });
  $all('.target input', form).forEach(function (input) {
    input.addEventListener('change', function () { clearError(input.name); });
  });
  ['channel', 'status', 'age_band', 'gender', 'first_visit', 'themes'].forEach(function (name) {
    $all('input[name="' + name + '"]', form).forEach(function (input) {
      input.addEventListener('change', function () { clearError(name); });
    });
  });
  $('#partner').addEventListener('change', function () { clearError('partner'); });
  $('#site').addEventListener('change', function () { clearError('site'); });
  $all('.presets', form).forEach(function (group) { group.hidden = false; });
  $all('[data-duration]', form).forEach(function (button) {
    button.addEventListener('click', function () {
      duration.value = button.getAttribute('data-duration');
      clearError('duration_min');
      applyDuration();
      showRemembered();
    });
  });
  duration.addEventListener('input', function () { clearError('duration_min'); applyDuration(); showRemembered(); });
  [dateInput, timeInput].forEach(function (input) {
    input.addEventListener('input', function () {
      whenTouched = true;
      clearError('started_date');
      clearError('started_time');
    });
  });
  note.addEventListener('input', function () {
    clearTimeout(guardTimer);
    guardTimer = setTimeout(renderNote, 150);
  });

  applyPole();
  applyOutcomes();
  applyDuration();
  if (note.value) { renderNote(); }

  if (mode !== 'new' || !O) {
    // Corrections post the form as it is; only refuse what the page already knows is wrong.
    form.addEventListener('submit', function (event) {
      clearErrors();
      var first = validate();
      if (first) { event.preventDefault(); focusFirst(first); return; }
      if (!emptyConfirmed()) { event.preventDefault(); }
    });
    return;
  }

  /* ---------- new interviews: through the outbox ---------- */

  var idInput = form.querySelector('input[name="id"]');
  var submit = $('#submit-interview');
  var current = null;      // the id of the interview this form is sending, until answered
  var handled = {};        // ids whose answer the page has shown
  var refused = [];        // queued interviews the server refused, kept to be resumed

  function confirmation(message, kind) {
    var box = $('#confirmation');
    box.textContent = message;
    box.className = 'confirmation' + (kind ? ' is-' + kind : '');
    box.hidden = false;
    box.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  function busy(on) {
    submit.disabled = on;
    submit.setAttribute('aria-busy', String(on));
  }

  /* Empty the interview-specific fields; keep duration, pole, partner and site, and the
   * channel only when pinned. */
  function resetForm() {
    idInput.value = O.uuid4();
    openingChannel();
    forgetEmptyQuestion();
    if (rememberedTag) { rememberedDuration = duration.value; showRemembered(); }
    ['themes', 'outcomes', 'status', 'age_band', 'gender', 'first_visit'].forEach(function (name) {
      $all('input[name="' + name + '"]', form).forEach(function (input) { input.checked = input.value === ''; });
    });
    $all('.target input', form).forEach(function (input) { input.checked = false; });
    note.value = '';
    checkNote();
    whenTouched = false;
    showNow();
    clearErrors();
    applyPole();
    applyOutcomes();
  }

  function loadIntoForm(body) {
    clearErrors();
    idInput.value = body.id;
    var when = parisParts(new Date(body.started_at));
    dateInput.value = when.year + '-' + when.month + '-' + when.day;
    timeInput.value = when.hour + ':' + when.minute;
    whenTouched = true;
    duration.value = body.duration_min;
    setChecked('channel', body.channel);
    setChecked('pole', body.pole);
    $('#partner').value = body.partner || '';
    $('#site').value = body.site || $('#site').value;
    applyPole();
    Object.keys(body.profile || {}).forEach(function (c) { setChecked(c, body.profile[c] || ''); });
    $all('input[name="themes"]', form).forEach(function (input) { input.checked = body.themes.indexOf(input.value) !== -1; });
    var codes = body.outcomes.map(function (o) { return typeof o === 'string' ? o : o.code; });
    $all('input[name="outcomes"]', form).forEach(function (input) { input.checked = codes.indexOf(input.value) !== -1; });
    applyOutcomes();
    body.outcomes.forEach(function (o) {
      if (typeof o !== 'string') { setChecked(targetName(o.code), o.partner || o.pole); }
    });
    note.value = body.note || '';
    applyDuration();
    renderNote();
  }

  function renderRefused() {
    var list = $('#refused-list');
    list.textContent = '';
    refused.forEach(function (item, index) {
      var li = document.createElement('li');
      var text = document.createElement('span');
      text.textContent = reasonOf(item);
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn';
      button.textContent = t.resume;
      button.addEventListener('click', function () {
        refused.splice(index, 1);
        renderRefused();
        loadIntoForm(item.body);
        showError(item.field, reasonOf(item));
        focusFirst(form);
      });
      li.appendChild(text);
      li.appendChild(button);
      list.appendChild(li);
    });
    $('#refused').hidden = refused.length === 0;
  }

  /* The server's answer for one interview. */
  function onResult(body, result) {
    handled[body.id] = true;
    var mine = body.id === current;
    if (mine) { current = null; busy(false); }
    if (result.status === 'created' || result.status === 'duplicate') {
      if (mine) {
        resetForm();
        confirmation(result.status === 'created' ? t.created : t.duplicate);
      } else {
        confirmation(t.sentLater);
      }
      return;
    }
    if (mine) {
      if (result.field === 'id') {
        idInput.value = O.uuid4();
        confirmation(t.conflict, 'error');
        return;
      }
      focusFirst(showError(result.field, reasonOf(result)));
      return;
    }
    refused.push({ body: body, field: result.field, error: result.error });
    renderRefused();
    confirmation(t.rejectedLater, 'error');
  }

  var outbox = new O.Outbox({
    store: 'interviews', url: '/api/v1/interviews', key: 'interviews',
    onResult: onResult,
    onState: renderState
  });

  function renderState(s) {
    if (s.storageFailed) { confirmation(t.storageFull, 'error'); return; }
    O.renderConnection(s, t);
    var banner = $('#session-banner');
    banner.hidden = !s.authNeeded;
    if (s.authNeeded) { $('span', banner).textContent = t.sessionExpired || t.queuedAuth; }
  }

  /* Send now; when the network or the session is missing, say the interview is kept. */
  function settle(id, tries) {
    return outbox.flush().then(function (outcome) {
      if (handled[id]) { return; }
      return outbox.pending().then(function (items) {
        var waiting = items.some(function (item) { return item.id === id; });
        if (!waiting) { return; }
        // Another flush was under way and did not carry this one: go again.
        if (outcome === 'ok' && tries < 3) { return settle(id, tries + 1); }
        current = null;
        busy(false);
        resetForm();
        confirmation(outcome === 'auth' ? t.queuedAuth : t.queued, 'queued');
      });
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (current) { return; }  // already on its way; the UUID would make it a no-op anyway
    clearErrors();
    $('#confirmation').hidden = true;
    var first = validate();
    if (first) {
      focusFirst(first);
      return;
    }
    if (!emptyConfirmed()) { return; }
    var body = payload(idInput.value || O.uuid4());
    idInput.value = body.id;
    delete handled[body.id];
    current = body.id;
    busy(true);
    outbox.add(body).then(function () { return settle(body.id, 0); });
  });

  showNow();
  setInterval(showNow, 20000);
  O.registerServiceWorker(pageSnapshot);
  pageSnapshot = null;
  outbox.watch(15000);
  window.AffluenceInterviews = { outbox: outbox, payload: payload, parisInstant: parisInstant };
}());
