/* The floor on the reception tablet (issue 11).
 *
 * Each pole's button shows the counsellors available and the estimated wait, from
 * /api/v1/poles/status polled every 45 s (a cheap query; offline, the last figures stay,
 * marked as not refreshed). When a round is due (the site's schedule), a reminder opens
 * the round dialog; the round goes through the same offline outbox as the entries.
 */
// Started in a task of its own, after the buttons answer: a tap is never kept waiting for it.
window.setTimeout(function () {
  'use strict';

  var O = window.AffluenceOutbox;
  var configEl = document.getElementById('floor-tablet-config');
  if (!O || !configEl) { return; }
  var config = JSON.parse(configEl.textContent);
  var t = config.t;
  var rounds = config.rounds;
  var LAST_ROUND_KEY = 'affluence.lastRound.' + config.site;
  var STALE_MS = 5 * 60 * 1000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* ---------- pole status on the destination buttons ---------- */

  var lastGood = 0;

  function statusSpan(button) {
    var span = $('.dest-status', button);
    if (!span) {
      span = document.createElement('span');
      span.className = 'dest-status';
      span.setAttribute('data-testid', 'pole-status-' + button.getAttribute('data-destination'));
      var label = $('.dest-label', button);
      label.parentNode.insertBefore(span, label.nextSibling);
    }
    return span;
  }

  function renderPoles(poles) {
    poles.forEach(function (pole) {
      var button = $('#arrival-panel .dest-pole[data-destination="' + pole.pole + '"]');
      if (!button) { return; }
      var span = statusSpan(button);
      span.textContent = '';
      span.className = 'dest-status';
      var staff = document.createElement('span');
      if (pole.available > 0) {
        staff.textContent = fill(t.available, { n: pole.available });
      } else {
        staff.className = 'dest-status-none';
        staff.textContent = t.nobody;
      }
      span.appendChild(staff);
      var parts = [];
      if (pole.in_interview > 0) { parts.push(fill(t.busy, { n: pole.in_interview })); }
      if (pole.waiting > 0) { parts.push(fill(t.waiting, { n: pole.waiting })); }
      if (parts.length) { span.appendChild(document.createTextNode(' · ' + parts.join(' · '))); }
      button.classList.toggle('dest-nobody', pole.available === 0);
    });
  }

  function markStale() {
    if (!lastGood || Date.now() - lastGood < STALE_MS) { return; }
    $all('#arrival-panel .dest-status').forEach(function (span) {
      span.classList.add('dest-status-stale');
      span.title = t.stale;
    });
  }

  function refreshStatus() {
    var url = '/api/v1/poles/status?site=' + encodeURIComponent(config.site);
    return O.getJSON(url).then(function (result) {
      if (result.state === 'ok' && result.data && Array.isArray(result.data.poles)) {
        lastGood = Date.now();
        renderPoles(result.data.poles);
        if (result.data.last_round_at) { noteRound(result.data.last_round_at); }
      } else {
        markStale();
      }
      checkRound();
    });
  }

  /* ---------- occupancy rounds ---------- */

  // The site's day and minute of the day (clock.js).
  function paris(date) {
    var p = window.AffluenceClock.parts(date);
    return { day: p.day, minutes: p.minutes };
  }

  function lastRound() {
    try { return localStorage.getItem(LAST_ROUND_KEY) || rounds.lastRoundAt; } catch (e) { return rounds.lastRoundAt; }
  }

  function noteRound(iso) {
    var known = lastRound();
    if (known && new Date(known) >= new Date(iso)) { return; }
    try { localStorage.setItem(LAST_ROUND_KEY, iso); } catch (e) { /* private browsing */ }
  }

  /* The slot due now (minutes of the Paris day), or null: the latest slot of the schedule
   * that has begun, if no round was taken since it began. */
  function dueSlot(now) {
    var s = rounds.schedule;
    if (!s.every || !rounds.spaces.length) { return null; }
    var here = paris(now);
    var slot = null;
    for (var m = s.first_hour * 60; m <= s.last_hour * 60; m += s.every) {
      if (m <= here.minutes) { slot = m; }
    }
    if (slot === null) { return null; }
    var last = lastRound();
    if (last) {
      var then = paris(new Date(last));
      if (then.day === here.day && then.minutes >= slot) { return null; }
    }
    return slot;
  }

  function clock(minutes) {
    var h = Math.floor(minutes / 60);
    var m = minutes % 60;
    return h + ' h' + (m ? ' ' + (m < 10 ? '0' : '') + m : '');
  }

  var remindedSlot = null;

  /* Turn the round button orange while a round is due, and say so once per slot. */
  function checkRound() {
    var slot = dueSlot(new Date());
    var button = $('.round-toggle');
    if (button) {
      button.classList.toggle('round-due', slot !== null);
      $('.round-toggle-label', button).textContent = slot === null ? t.round : fill(t.roundDueShort, { time: clock(slot) });
    }
    var status = $('#round-reminder');
    status.textContent = slot === null ? '' : fill(t.roundDue, { time: clock(slot) });
    if (slot !== null && slot !== remindedSlot) {
      remindedSlot = slot;
      toast(fill(t.roundDue, { time: clock(slot) }), false);
    }
  }

  var outbox = new O.Outbox({
    store: 'rounds', url: '/api/v1/occupancy', key: 'rounds',
    onResult: function (body, result) {
      if (result.status === 'rejected') { toast(fill(t.roundRejected, { why: result.error || '' }), true); }
    },
    onState: function () {}
  });

  var toastTimer = null;
  function toast(message, isError) {
    var el = document.getElementById('toast');
    if (!el) { return; }
    el.textContent = message;
    el.className = 'toast' + (isError ? ' toast-error' : '');
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, isError ? 6000 : 2500);
  }

  var dialog = $('#round-dialog');
  var form = $('#round-form');

  function openRound() {
    $('#round-error').hidden = true;
    if (typeof dialog.showModal === 'function') { dialog.showModal(); } else { dialog.setAttribute('open', ''); }
    var first = $('.round-count', form);
    if (first) { first.focus(); first.select(); }
  }

  function closeRound() {
    if (typeof dialog.close === 'function') { dialog.close(); } else { dialog.removeAttribute('open'); }
  }

  function countOf(input) {
    var value = input.value.trim();
    return /^\d+$/.test(value) ? Number(value) : null;
  }

  $all('[data-round-step]').forEach(function (button) {
    button.addEventListener('click', function () {
      var input = $('.round-count', button.parentNode);
      var value = Math.max(0, Math.min(2000, (countOf(input) || 0) + Number(button.getAttribute('data-round-step'))));
      input.value = String(value);
    });
  });
  $all('.round-count', form).forEach(function (input) {
    input.addEventListener('focus', function () { input.select(); });
  });
  $all('[data-close-round]').forEach(function (button) { button.addEventListener('click', closeRound); });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var counts = {};
    var bad = null;
    $all('.round-space', form).forEach(function (row) {
      var input = $('.round-count', row);
      var value = countOf(input);
      if (value === null || value > 2000) { bad = bad || input; return; }
      counts[row.getAttribute('data-space')] = value;
    });
    if (bad) {
      var error = $('#round-error');
      error.textContent = $('label[for="' + bad.id + '"]').textContent.trim() + ' : ' + bad.validationMessage;
      error.hidden = false;
      bad.focus();
      return;
    }
    var takenAt = new Date().toISOString();
    outbox.add({ id: O.uuid4(), taken_at: takenAt, site: config.site, counts: counts });
    noteRound(takenAt);
    closeRound();
    checkRound();
    toast(t.roundSaved, false);
  });

  // The round's button sits beside "Dernières saisies"; the reminder opens the same dialog.
  var row = $('.mode-row');
  var template = $('#round-button-template');
  if (row && template && rounds.spaces.length) { row.appendChild(template.content.cloneNode(true)); }
  $all('[data-open-round]').forEach(function (button) { button.addEventListener('click', openRound); });

  outbox.watch(30000);
  refreshStatus();
  setInterval(refreshStatus, Math.max(1, Number(config.pollSeconds) || 45) * 1000);
  setInterval(checkRound, 20000);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { refreshStatus(); }
  });
}, 0);
