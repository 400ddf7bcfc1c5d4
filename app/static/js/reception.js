/* The reception tablet: one tap logs one arrival; nothing tapped is lost or counted twice. */
(function () {
  'use strict';

  if (window.performance && performance.mark) { performance.mark('tablet-start'); }
  var O = window.AffluenceOutbox;
  // The page as the browser received it, before this script changes anything: handed to the
  // service worker on the first visit, so keeping it for offline use costs no second download.
  var pageSnapshot = '<!doctype html>\n' + document.documentElement.outerHTML;
  var config = JSON.parse(document.getElementById('tablet-config').textContent);
  var t = JSON.parse(document.getElementById('tablet-i18n').textContent);
  var point = config.receptionPoint;
  var RECENT_SHOWN = 12;
  var RECENT_KEPT = 36;
  var DOUBLE_TAP_MS = 300;
  var COUNTS_KEY = 'affluence.counts.' + config.site;
  // This tablet's own arrivals today (id -> persons): the point's figure when the server's
  // counts do not break the site down by reception point.
  var TALLY_KEY = 'affluence.tally.' + point;

  var state = {
    mode: 'arrival',
    fromPole: null,
    profile: {},
    party: 1,
    // Today's counts as the server last gave them, and what the server confirmed since
    // (entries stored, undos applied) that this snapshot may not hold yet.
    snapshot: null,
    settled: [],
    pendingEntries: [],
    pendingUndos: [],
    lastTap: {},
    // Which calls last met an expired session: the queue's batches, the counts, the undos.
    authNeeded: { entries: false, counts: false, undo: false }
  };

  var labels = {};
  config.poles.forEach(function (p) { labels[p.code] = p.short; });
  config.partners.forEach(function (p) { labels['partner:' + p.code] = p.label; });
  config.fixed.forEach(function (code) { labels[code] = t[code]; });

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  // The site's day and time of an instant (clock.js): no Intl formatter, whose time-zone data
  // would cost a slow tablet more than the rest of the start-up.
  var clock = window.AffluenceClock;
  function parisDay(date) { return clock.day(date); }
  function today() { return parisDay(new Date()); }

  /* ---------- queues ---------- */

  var entries = new O.Outbox({
    store: 'entries', url: '/api/v1/entries', key: 'entries',
    onResult: function (body, result, sentAt) {
      state.pendingEntries = state.pendingEntries.filter(function (b) { return b.id !== body.id; });
      if (result.status === 'rejected') {
        updateRecent(body.id, { state: 'rejected', error: result.error || '' });
        forget(body.id);
        toast(fill(t.rejectedWhy, { why: result.error || '' }), true);
        return;
      }
      settle(body, 1, sentAt);
      var item = findRecent(body.id);
      if (item && item.state === 'undone') {
        // Undone while its batch was already on the way: cancel it on the server too.
        queueUndo(body);
        return;
      }
      updateRecent(body.id, { state: 'sent', error: '' });
    },
    onDelivered: function () { scheduleCounts(); },
    onState: function (s) { renderStatus(s); }
  });

  /* ---------- counts ---------- */

  function saveCounts() {
    try {
      localStorage.setItem(COUNTS_KEY, JSON.stringify({ date: today(), snapshot: state.snapshot,
                                                        settled: state.settled }));
    } catch (e) { /* counts are a display aid; the queue is what must survive */ }
  }

  function loadCounts() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(COUNTS_KEY) || 'null'); } catch (e) { saved = null; }
    if (saved && saved.date === today()) {
      state.snapshot = saved.snapshot;
      state.settled = saved.settled || [];
    }
  }

  /* Remember a change the server confirmed; at is when the request that made it started. */
  function settle(body, sign, at) {
    state.settled.push({ body: body, sign: sign, at: at });
    saveCounts();
  }

  var countsBusy = false;
  var countsAgain = false;
  var countsTimer = null;

  function scheduleCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(refreshCounts, 200);
  }

  function refreshCounts() {
    if (countsBusy) { countsAgain = true; return Promise.resolve(); }
    countsBusy = true;
    var url = '/api/v1/counts?date=' + today() + '&site=' + encodeURIComponent(config.site);
    return O.getJSON(url).then(function (result) {
      // Offline says nothing about the session: keep what the last answer told.
      if (result.state !== 'network') { state.authNeeded.counts = result.state === 'auth'; }
      showSessionBanner();
      if (result.state === 'ok') {
        state.snapshot = result.data;
        if (result.data.config_version && result.data.config_version !== config.version) { reloadWhenIdle(); }
        // API calls go one at a time, so a change whose request started before this one is
        // in the snapshot, and one that started after is not.
        state.settled = state.settled.filter(function (s) { return s.at > result.startedAt; });
        saveCounts();
      }
      return reloadPending();
    }).catch(function () {}).then(function () {
      countsBusy = false;
      if (countsAgain) { countsAgain = false; return refreshCounts(); }
    });
  }

  // The site's settings changed (services offered, lists): take the new page once the agent
  // has stopped tapping for a while. Taps wait in the outbox meanwhile: nothing is lost.
  var lastTouch = Date.now();
  var reloadPlanned = false;
  document.addEventListener('pointerdown', function () { lastTouch = Date.now(); }, true);

  function reloadWhenIdle() {
    if (reloadPlanned) { return; }
    reloadPlanned = true;
    var idleMs = (config.reloadIdleSeconds || 20) * 1000;
    (function check() {
      if (Date.now() - lastTouch >= idleMs && !document.querySelector('dialog[open]')) {
        window.location.reload();
        return;
      }
      setTimeout(check, Math.min(idleMs, 5000));
    }());
  }

  function reloadPending() {
    return Promise.all([entries.pending(), O.storage.all('undo')]).then(function (lists) {
      state.pendingEntries = lists[0].map(function (item) { return item.body; });
      state.pendingUndos = lists[1];
      renderCounts();
    });
  }

  function destinationKey(body) {
    return body.destination.indexOf('partner:') === 0 ? 'partner' : body.destination;
  }

  function renderCounts() {
    var counts = {};
    var total = 0;
    var reorientations = 0;
    // The day is read only when something has to be sorted by it: on a first visit nothing
    // has, and the first date formatter (time-zone data) is built after the buttons answer.
    var known = null;
    function day() { known = known || today(); return known; }
    var server = state.snapshot && state.snapshot.date === day() ? state.snapshot : null;
    if (server) {
      Object.keys(server.by_destination).forEach(function (code) {
        var key = code.indexOf('partner:') === 0 ? 'partner' : code;
        counts[key] = (counts[key] || 0) + server.by_destination[code];
      });
      total = server.total;
      reorientations = server.reorientations;
    }
    function apply(body, sign) {
      if (parisDay(new Date(body.occurred_at)) !== day()) { return; }
      var size = body.party_size || 1;
      if (body.kind === 'reorientation') { reorientations += sign * size; return; }
      counts[destinationKey(body)] = (counts[destinationKey(body)] || 0) + sign * size;
      total += sign * size;
    }
    state.settled.forEach(function (s) { apply(s.body, s.sign); });
    state.pendingEntries.forEach(function (body) { apply(body, 1); });
    state.pendingUndos.forEach(function (op) { if (op.entry) { apply(op.entry, -1); } });
    $all('[data-count-for]').forEach(function (el) {
      el.textContent = Math.max(0, counts[el.getAttribute('data-count-for')] || 0);
    });
    $('#total-today').textContent = Math.max(0, total);
    $('#reorientations-today').textContent = Math.max(0, reorientations);
    renderPointCount(server, day);
  }

  /* ---------- this reception point's figure ---------- */

  var tally = loadTally();

  function loadTally() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(TALLY_KEY) || 'null'); } catch (e) { saved = null; }
    return saved && saved.date === today() ? saved : { date: null, entries: {} };
  }

  function saveTally() {
    try { localStorage.setItem(TALLY_KEY, JSON.stringify(tally)); } catch (e) { /* display aid */ }
  }

  function count(body) {
    if (body.kind !== 'arrival') { return; }
    if (tally.date !== today()) { tally = { date: today(), entries: {} }; }
    tally.entries[body.id] = body.party_size || 1;
    saveTally();
  }

  function forget(id) {
    if (tally.entries[id] === undefined) { return; }
    delete tally.entries[id];
    saveTally();
  }

  /* The server's figure for this point when it gives one (by_point), else this tablet's own. */
  function renderPointCount(server, day) {
    var persons = 0;
    var fromServer = Boolean(server && server.by_point);
    if (fromServer) {
      persons = server.by_point[point] || 0;
      var mine = function (body) { return body.reception_point === point && body.kind === 'arrival' && parisDay(new Date(body.occurred_at)) === day(); };
      state.settled.forEach(function (s) { if (mine(s.body)) { persons += s.sign * (s.body.party_size || 1); } });
      state.pendingEntries.forEach(function (body) { if (mine(body)) { persons += body.party_size || 1; } });
      state.pendingUndos.forEach(function (op) { if (op.entry && mine(op.entry)) { persons -= op.entry.party_size || 1; } });
    } else {
      if (tally.date && tally.date !== day()) { tally = { date: null, entries: {} }; }
      Object.keys(tally.entries).forEach(function (id) { persons += tally.entries[id]; });
    }
    $('#point-today').textContent = Math.max(0, persons);
    $('#point-today-label').textContent = fromServer ? t.thisPoint : t.thisTablet;
  }

  /* ---------- status ---------- */

  function renderStatus(s) {
    if (s.storageFailed) { toast(t.storageFull, true); return; }
    O.renderConnection(s, t);
    state.authNeeded.entries = Boolean(s.authNeeded);
    showSessionBanner();
    reloadPending();
  }

  function showSessionBanner() {
    var needed = state.authNeeded;
    $('#session-banner').hidden = !(needed.entries || needed.counts || needed.undo);
  }

  var toastTimer = null;
  function toast(message, isError) {
    var el = $('#toast');
    el.textContent = message;
    el.className = 'toast' + (isError ? ' toast-error' : '');
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, isError ? 6000 : 2500);
  }

  /* ---------- recent entries ---------- */

  var recent = [];

  function loadRecent() {
    return O.storage.all('recent').then(function (items) {
      recent = items.filter(function (item) { return item.point === point; })
        .sort(function (a, b) { return b.queuedAt - a.queuedAt; });
      renderRecent();
    });
  }

  function describe(body) {
    var label = labels[body.destination] || body.destination;
    if (body.kind === 'reorientation') { label = (labels[body.from_pole] || body.from_pole) + ' → ' + label; }
    if (body.event_type) {
      var ev = config.eventTypes.filter(function (e) { return e.code === body.event_type; })[0];
      if (ev) { label += ' · ' + ev.label; }
    }
    if (body.party_size > 1) { label += ' · ' + body.party_size + ' ' + t.persons; }
    return label;
  }

  function renderRecent() {
    var list = $('#recent-list');
    list.textContent = '';
    var undoMs = config.undoMinutes * 60000;
    var shown = recent.slice(0, RECENT_SHOWN);
    $('#recent-empty').hidden = shown.length > 0;
    shown.forEach(function (item) {
      var li = document.createElement('li');
      li.className = 'recent-item recent-' + item.state;
      li.setAttribute('data-entry-id', item.id);
      var time = document.createElement('time');
      time.className = 'recent-time';
      time.dateTime = item.body.occurred_at;
      time.textContent = clock.time(new Date(item.body.occurred_at));
      var what = document.createElement('span');
      what.className = 'recent-what';
      what.textContent = describe(item.body);
      var badge = document.createElement('span');
      badge.className = 'badge badge-' + item.state;
      badge.textContent = { waiting: t.waiting, sent: t.sent, rejected: t.rejected, undone: t.undone }[item.state];
      if (item.error) { badge.title = item.error; }
      li.appendChild(time);
      li.appendChild(what);
      li.appendChild(badge);
      var fresh = Date.now() - item.queuedAt < undoMs;
      if (fresh && (item.state === 'waiting' || item.state === 'sent')) {
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn btn-undo';
        button.textContent = t.undo;
        button.setAttribute('aria-label', fill(t.undoWhat, { what: time.textContent + ' ' + what.textContent }));
        button.addEventListener('click', function () { undo(item); });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
  }

  function findRecent(id) {
    return recent.filter(function (r) { return r.id === id; })[0];
  }

  function updateRecent(id, changes) {
    var item = findRecent(id);
    if (!item) { return; }
    Object.keys(changes).forEach(function (k) { item[k] = changes[k]; });
    O.storage.put('recent', item).catch(function () {});
    renderRecent();
  }

  function rememberRecent(body) {
    var item = { id: body.id, point: point, body: body, state: 'waiting', queuedAt: Date.now() };
    recent.unshift(item);
    O.storage.put('recent', item).catch(function () {});
    // Forget old ones so the store stays small.
    recent.slice(RECENT_KEPT).forEach(function (old) { O.storage.remove('recent', old.id); });
    recent = recent.slice(0, RECENT_KEPT);
    renderRecent();
  }

  /* ---------- undo ---------- */

  function undo(item) {
    updateRecent(item.id, { state: 'undone' });
    forget(item.id);
    renderCounts();
    if (!entries.isInFlight(item.id)) {
      entries.pending().then(function (items) {
        var queued = items.some(function (queuedItem) { return queuedItem.id === item.id; });
        if (!queued || entries.isInFlight(item.id)) { return queueUndo(item.body); }
        // Never sent: forgetting it locally is the whole undo. Should its batch leave in the
        // meantime anyway, onResult sees it 'undone' and cancels it on the server.
        return entries.remove(item.id).then(function () { return entries.report(); });
      });
      return;
    }
    queueUndo(item.body);
  }

  function queueUndo(body) {
    var op = { id: body.id, entry: body, queuedAt: Date.now() };
    return O.storage.put('undo', op).catch(function () {}).then(function () {
      return reloadPending();
    }).then(flushUndos);
  }

  var undoFlushing = null;
  var undoAgain = false;

  function sendUndo(op) {
    return O.postJSON('/api/v1/entries/' + op.id + '/undo', {}).then(function (result) {
      if (result.state !== 'network') { state.authNeeded.undo = result.state === 'auth'; }
      showSessionBanner();
      if (result.state === 'network' || result.state === 'auth') { return false; }
      if (result.state === 'ok') {
        settle(op.entry, -1, result.startedAt);
      } else if (result.status !== 404) {
        // Too late, or not this agent's entry: it stays counted.
        updateRecent(op.id, { state: 'sent' });
        count(op.entry);
        toast((result.data && result.data.message) || t.undoTooLate, true);
      }
      return O.storage.remove('undo', op.id).then(function () { return true; });
    });
  }

  /* Send the queued undos, each after the entry it cancels has reached the server. */
  function flushUndos() {
    if (undoFlushing) { undoAgain = true; return undoFlushing; }
    var sent = 0;
    undoFlushing = O.storage.all('undo').then(function (ops) {
      if (!ops.length) { return null; }
      return entries.flush().then(function (outcome) {
        if (outcome !== 'ok') { return null; }
        return ops.reduce(function (chain, op) {
          return chain.then(function (proceed) {
            if (!proceed) { return false; }
            sent += 1;
            return sendUndo(op);
          });
        }, Promise.resolve(true));
      });
    }).catch(function () {}).then(function () {
      undoFlushing = null;
      if (sent) { scheduleCounts(); }
      return reloadPending();
    }).then(function () {
      if (undoAgain) { undoAgain = false; return flushUndos(); }
    });
    return undoFlushing;
  }

  /* ---------- taps ---------- */

  function resetStrip() {
    state.profile = {};
    state.party = 1;
    $all('.chip[data-category]').forEach(function (chip) { chip.setAttribute('aria-pressed', 'false'); });
    renderParty();
  }

  function renderParty() {
    $('#party-size').textContent = String(state.party);
    $('.step[data-step="-1"]').disabled = state.party <= 1;
  }

  function log(kind, destination, extra) {
    var body = {
      id: O.uuid4(),
      kind: kind,
      occurred_at: new Date().toISOString(),
      reception_point: point,
      destination: destination,
      party_size: state.party
    };
    if (kind === 'arrival' && Object.keys(state.profile).length) {
      body.profile = {};
      Object.keys(state.profile).forEach(function (k) { body.profile[k] = state.profile[k]; });
    }
    Object.keys(extra || {}).forEach(function (k) { if (extra[k]) { body[k] = extra[k]; } });
    // Feedback first (optimistic), storage right after: the agent never waits for the network.
    state.pendingEntries.push(body);
    count(body);
    renderCounts();
    rememberRecent(body);
    toast(fill(t.recorded, { what: describe(body) }));
    resetStrip();
    entries.add(body).then(function () { return entries.report(); });
  }

  function guardDoubleTap(key) {
    var now = Date.now();
    if (state.lastTap[key] && now - state.lastTap[key] < DOUBLE_TAP_MS) { return false; }
    state.lastTap[key] = now;
    return true;
  }

  var pickerContext = null;

  function openPicker(id, context) {
    pickerContext = context;
    var dialog = document.getElementById(id);
    if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute('open', ''); }
  }

  function closePickers() {
    $all('dialog').forEach(function (d) { if (d.open) { if (d.close) { d.close(); } else { d.removeAttribute('open'); } } });
  }

  function setMode(mode) {
    state.mode = mode;
    $all('.seg[data-mode]').forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-mode') === mode)); });
    $('#arrival-panel').hidden = mode !== 'arrival';
    $('#reorientation-panel').hidden = mode !== 'reorientation';
    // A reorientation carries no profile: only the party size stays on screen.
    $('.profile-strip').classList.toggle('is-reorientation', mode !== 'arrival');
    finishReorientation();
  }

  function finishReorientation() {
    state.fromPole = null;
    $all('[data-from]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
    $all('#to-grid .dest').forEach(function (b) { b.disabled = true; });
  }

  function bind() {
    $all('.seg[data-mode]').forEach(function (button) {
      button.addEventListener('click', function () { setMode(button.getAttribute('data-mode')); });
    });

    $all('.chip[data-category]').forEach(function (chip) {
      chip.addEventListener('click', function () {
        var category = chip.getAttribute('data-category');
        var code = chip.getAttribute('data-code');
        var wasOn = state.profile[category] === code;
        $all('.chip[data-category="' + category + '"]').forEach(function (c) { c.setAttribute('aria-pressed', 'false'); });
        if (wasOn) { delete state.profile[category]; } else {
          state.profile[category] = code;
          chip.setAttribute('aria-pressed', 'true');
        }
      });
    });

    $all('.step').forEach(function (button) {
      button.addEventListener('click', function () {
        state.party = Math.max(1, Math.min(500, state.party + Number(button.getAttribute('data-step'))));
        renderParty();
      });
    });

    $all('#arrival-panel .dest').forEach(function (button) {
      button.addEventListener('click', function () {
        var picker = button.getAttribute('data-picker');
        if (picker) { openPicker(picker, { kind: 'arrival' }); return; }
        var destination = button.getAttribute('data-destination');
        if (!guardDoubleTap(destination)) { return; }
        log('arrival', destination);
      });
    });

    $all('[data-from]').forEach(function (button) {
      button.addEventListener('click', function () {
        state.fromPole = button.getAttribute('data-from');
        $all('[data-from]').forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
        $all('[data-reorient-to]').forEach(function (b) { b.disabled = b.getAttribute('data-reorient-to') === state.fromPole; });
        var toPartner = $('[data-reorient-partner]');
        if (toPartner) { toPartner.disabled = false; }
      });
    });

    $all('[data-reorient-to]').forEach(function (button) {
      button.addEventListener('click', function () {
        if (!state.fromPole || !guardDoubleTap('r:' + button.getAttribute('data-reorient-to'))) { return; }
        log('reorientation', button.getAttribute('data-reorient-to'), { from_pole: state.fromPole });
        finishReorientation();
      });
    });

    // A site that sends no one to partners has no such button (its services list).
    var toPartner = $('[data-reorient-partner]');
    if (toPartner) {
      toPartner.addEventListener('click', function () {
        if (state.fromPole) { openPicker('partner-picker', { kind: 'reorientation', from: state.fromPole }); }
      });
    }

    $all('[data-partner]').forEach(function (button) {
      button.addEventListener('click', function () {
        var context = pickerContext || { kind: 'arrival' };
        closePickers();
        var destination = 'partner:' + button.getAttribute('data-partner');
        if (context.kind === 'reorientation') {
          log('reorientation', destination, { from_pole: context.from });
          finishReorientation();
        } else {
          log('arrival', destination);
        }
      });
    });

    $all('[data-event-type]').forEach(function (button) {
      button.addEventListener('click', function () {
        closePickers();
        log('arrival', 'event', { event_type: button.getAttribute('data-event-type') });
      });
    });

    $('#recent-toggle').addEventListener('click', function () { openPicker('recent', null); });

    $all('[data-close]').forEach(function (button) { button.addEventListener('click', closePickers); });
    // A tap on the dimmed backdrop closes a picker or the drawer, as on every tablet app.
    $all('dialog').forEach(function (dialog) {
      dialog.addEventListener('click', function (event) { if (event.target === dialog) { closePickers(); } });
    });
  }

  bind();
  renderParty();
  loadCounts();
  renderCounts();
  // The buttons answer from here on: bench/pages.py times the cold load up to this mark.
  if (window.performance && performance.mark) { performance.mark('tablet-ready'); }
  O.registerServiceWorker(pageSnapshot);
  pageSnapshot = null;
  loadRecent().then(reloadPending).then(function () {
    // Say how many entries wait before the first attempt to send them, which may hang.
    return entries.report();
  }).then(function () {
    return entries.watch(15000);
  }).then(flushUndos).then(refreshCounts);
  window.addEventListener('online', function () { flushUndos(); });
  setInterval(flushUndos, 15000);
  setInterval(refreshCounts, 60000);
  setInterval(renderRecent, 30000);  // let undo buttons expire
  window.AffluenceTablet = { entries: entries, refreshCounts: refreshCounts, flushUndos: flushUndos, log: log };
}());
