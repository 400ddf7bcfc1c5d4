/* The reception tablet: one tap logs one arrival; nothing tapped is lost or counted twice. */
(function () {
  'use strict';

  var O = window.AffluenceOutbox;
  var config = JSON.parse(document.getElementById('tablet-config').textContent);
  var t = JSON.parse(document.getElementById('tablet-i18n').textContent);
  var point = config.receptionPoint;
  var RECENT_KEEP = 12;
  var DOUBLE_TAP_MS = 300;

  var state = {
    mode: 'arrival',
    fromPole: null,
    profile: {},
    party: 1,
    serverCounts: null,
    pendingEntries: [],
    pendingUndos: [],
    lastTap: {}
  };

  var labels = {};
  config.poles.forEach(function (p) { labels[p.code] = p.short; });
  config.partners.forEach(function (p) { labels['partner:' + p.code] = p.label; });
  ['documentation', 'cyber', 'event', 'desk'].forEach(function (code) { labels[code] = t[code]; });

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* ---------- queues ---------- */

  var entries = new O.Outbox({
    store: 'entries', url: '/api/v1/entries', key: 'entries',
    onResult: function (body, result) {
      var status = result.status === 'rejected' ? 'rejected' : 'sent';
      updateRecent(body.id, { state: status, error: result.error || '' });
      if (status === 'rejected') { toast(t.rejected + ' : ' + result.error, true); }
    },
    onState: function (s) { renderStatus(s); }
  });

  /* ---------- counts ---------- */

  function today() { return O.parisDay(new Date()); }

  function refreshCounts() {
    return O.getJSON('/api/v1/counts?date=' + today() + '&site=' + encodeURIComponent(config.site))
      .then(function (result) {
        if (result.state === 'ok') { state.serverCounts = result.data; }
        if (result.state === 'auth') { showSessionBanner(true); }
        return reloadPending();
      });
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
    var server = state.serverCounts;
    if (server) {
      Object.keys(server.by_destination).forEach(function (code) {
        var key = code.indexOf('partner:') === 0 ? 'partner' : code;
        counts[key] = (counts[key] || 0) + server.by_destination[code];
      });
      total = server.total;
      reorientations = server.reorientations;
    }
    var day = today();
    function apply(body, sign) {
      if (O.parisDay(new Date(body.occurred_at)) !== day) { return; }
      var size = body.party_size || 1;
      if (body.kind === 'reorientation') { reorientations += sign * size; return; }
      counts[destinationKey(body)] = (counts[destinationKey(body)] || 0) + sign * size;
      total += sign * size;
    }
    state.pendingEntries.forEach(function (body) { apply(body, 1); });
    state.pendingUndos.forEach(function (op) { if (op.entry) { apply(op.entry, -1); } });
    $all('[data-count-for]').forEach(function (el) {
      el.textContent = counts[el.getAttribute('data-count-for')] || 0;
    });
    $('#total-today').textContent = total;
    $('#reorientations-today').textContent = reorientations;
  }

  /* ---------- status ---------- */

  function renderStatus(s) {
    if (s.storageFailed) { toast(t.storageFull, true); return; }
    var net = $('#net-status');
    var online = s.online && navigator.onLine;
    net.textContent = online ? t.online : t.offline;
    net.className = 'pill ' + (online ? 'pill-online' : 'pill-offline');
    var queue = $('#queue-status');
    queue.textContent = s.pending ? s.pending + ' ' + t.pending : t.allSent;
    queue.className = 'pill ' + (s.pending ? 'pill-pending' : '');
    showSessionBanner(s.authNeeded);
    reloadPending();
  }

  function showSessionBanner(show) {
    var banner = $('#session-banner');
    banner.hidden = !show;
    if (show) { $('span', banner).textContent = t.sessionExpired; }
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
    if (body.kind === 'reorientation') { label = labels[body.from_pole] + ' → ' + label; }
    if (body.event_type) {
      var ev = config.eventTypes.filter(function (e) { return e.code === body.event_type; })[0];
      if (ev) { label += ' · ' + ev.label; }
    }
    return label;
  }

  function renderRecent() {
    var list = $('#recent-list');
    list.textContent = '';
    var undoMs = config.undoMinutes * 60000;
    recent.slice(0, RECENT_KEEP).forEach(function (item) {
      var li = document.createElement('li');
      li.className = 'recent-item recent-' + item.state;
      li.setAttribute('data-entry-id', item.id);
      var time = new Date(item.body.occurred_at).toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' });
      var what = document.createElement('span');
      what.className = 'recent-what';
      what.textContent = time + ' · ' + describe(item.body) + (item.body.party_size > 1 ? ' · ' + item.body.party_size + ' ' + t.persons : '');
      var badge = document.createElement('span');
      badge.className = 'badge badge-' + item.state;
      badge.textContent = { waiting: t.waiting, sent: t.sent, rejected: t.rejected, undone: t.undone }[item.state];
      if (item.error) { badge.title = item.error; }
      li.appendChild(what);
      li.appendChild(badge);
      var fresh = Date.now() - item.queuedAt < undoMs;
      if (fresh && (item.state === 'waiting' || item.state === 'sent')) {
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn btn-quiet btn-undo';
        button.textContent = t.undo;
        button.addEventListener('click', function () { undo(item); });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
  }

  function updateRecent(id, changes) {
    var item = recent.filter(function (r) { return r.id === id; })[0];
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
    recent.slice(RECENT_KEEP * 3).forEach(function (old) { O.storage.remove('recent', old.id); });
    recent = recent.slice(0, RECENT_KEEP * 3);
    renderRecent();
  }

  /* ---------- undo ---------- */

  function undo(item) {
    if (item.state === 'waiting' && !entries.isInFlight(item.id)) {
      // Never sent: forgetting it locally is the whole undo.
      entries.remove(item.id).then(function () {
        updateRecent(item.id, { state: 'undone' });
        entries.report();
      });
      return;
    }
    var op = { id: item.id, entry: item.body, queuedAt: Date.now() };
    O.storage.put('undo', op).catch(function () {}).then(function () {
      updateRecent(item.id, { state: 'undone' });
      reloadPending();
      flushUndos();
    });
  }

  var undoFlushing = false;
  function flushUndos() {
    if (undoFlushing) { return Promise.resolve(); }
    undoFlushing = true;
    // An undo must reach the server after the entry it cancels.
    return entries.flush().then(function () { return O.storage.all('undo'); }).then(function (ops) {
      return ops.reduce(function (chain, op) {
        return chain.then(function (proceed) {
          if (!proceed) { return false; }
          return O.postJSON('/api/v1/entries/' + op.id + '/undo', {}).then(function (result) {
            if (result.state === 'network' || result.state === 'auth') {
              if (result.state === 'auth') { showSessionBanner(true); }
              return false;
            }
            if (result.state === 'error') {
              updateRecent(op.id, { state: 'sent' });
              toast((result.data && result.data.message) || t.undoTooLate, true);
            }
            return O.storage.remove('undo', op.id).then(function () { return true; });
          });
        });
      }, Promise.resolve(true));
    }).then(function () {
      undoFlushing = false;
      return refreshCounts();
    }, function () { undoFlushing = false; });
  }

  /* ---------- taps ---------- */

  function currentProfile() {
    var profile = {};
    Object.keys(state.profile).forEach(function (k) { profile[k] = state.profile[k]; });
    return profile;
  }

  function resetStrip() {
    state.profile = {};
    state.party = 1;
    $all('.chip[data-category]').forEach(function (chip) { chip.setAttribute('aria-pressed', 'false'); });
    $('#party-size').textContent = '1';
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
    if (kind === 'arrival') {
      var profile = currentProfile();
      if (Object.keys(profile).length) { body.profile = profile; }
    }
    Object.keys(extra || {}).forEach(function (k) { if (extra[k]) { body[k] = extra[k]; } });
    // Feedback first (optimistic), storage right after.
    state.pendingEntries.push(body);
    renderCounts();
    rememberRecent(body);
    toast('✓ ' + t.recorded + ' : ' + describe(body) + (body.party_size > 1 ? ' · ' + body.party_size + ' ' + t.persons : ''));
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
    $all('dialog.picker').forEach(function (d) { if (d.open) { d.close ? d.close() : d.removeAttribute('open'); } });
  }

  function bind() {
    $all('.seg[data-mode]').forEach(function (button) {
      button.addEventListener('click', function () {
        state.mode = button.getAttribute('data-mode');
        $all('.seg[data-mode]').forEach(function (b) { b.setAttribute('aria-checked', String(b === button)); });
        $('#arrival-panel').hidden = state.mode !== 'arrival';
        $('#reorientation-panel').hidden = state.mode !== 'reorientation';
        $('.profile-strip').classList.toggle('is-dimmed', state.mode !== 'arrival');
      });
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
        $('#party-size').textContent = String(state.party);
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
        $('[data-reorient-partner]').disabled = false;
      });
    });

    function finishReorientation() {
      state.fromPole = null;
      $all('[data-from]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      $all('#to-grid .dest').forEach(function (b) { b.disabled = true; });
    }

    $all('[data-reorient-to]').forEach(function (button) {
      button.addEventListener('click', function () {
        if (!state.fromPole || !guardDoubleTap('r:' + button.getAttribute('data-reorient-to'))) { return; }
        log('reorientation', button.getAttribute('data-reorient-to'), { from_pole: state.fromPole });
        finishReorientation();
      });
    });

    $('[data-reorient-partner]').addEventListener('click', function () {
      if (state.fromPole) { openPicker('partner-picker', { kind: 'reorientation', from: state.fromPole }); }
    });

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

    $all('[data-close]').forEach(function (button) { button.addEventListener('click', closePickers); });
  }

  bind();
  O.registerServiceWorker();
  loadRecent().then(function () {
    return entries.watch(15000);
  }).then(function () { return flushUndos(); });
  window.addEventListener('online', function () { flushUndos(); });
  setInterval(refreshCounts, 60000);
  setInterval(renderRecent, 30000);  // let undo buttons expire
  window.AffluenceTablet = { entries: entries, refreshCounts: refreshCounts, flushUndos: flushUndos };
}());
