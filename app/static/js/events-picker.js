/* The tablet's event picker lists today's events of the site (issue 9).
 * A tap logs an arrival naming the event through the tablet's own outbox; the list is kept
 * in localStorage so the picker still offers today's events when the tablet is offline. */
// Started in a task of its own, after the buttons answer: a tap is never kept waiting for it.
window.setTimeout(function () {
  'use strict';

  var box = document.getElementById('event-picker-today');
  if (!box || !window.AffluenceTablet) { return; }
  var list = box.querySelector('[data-event-list]');
  var empty = box.querySelector('[data-event-empty]');
  var site = box.getAttribute('data-site');
  var storageKey = 'affluence.events.' + site;
  var clock = window.AffluenceClock;

  function today() { return clock.day(new Date()); }

  function render(events) {
    list.textContent = '';
    var now = Date.now();
    var shown = events.filter(function (e) { return e.status !== 'cancelled'; });
    shown.forEach(function (e) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'chip chip-big event-chip';
      button.setAttribute('data-event-id', e.id);
      button.setAttribute('data-event-type-code', e.type);
      var title = document.createElement('span');
      title.className = 'event-chip-title';
      title.textContent = e.title;
      var meta = document.createElement('span');
      meta.className = 'event-chip-meta';
      var start = new Date(e.starts_at), end = new Date(e.ends_at);
      var parts = [clock.time(start) + '–' + clock.time(end), e.type_label];
      if (e.outside) { parts.push(box.getAttribute('data-outside')); }
      if (start.getTime() <= now && now < end.getTime()) { parts.unshift(box.getAttribute('data-now')); }
      meta.textContent = parts.join(' · ');
      button.appendChild(title);
      button.appendChild(meta);
      list.appendChild(button);
    });
    empty.hidden = shown.length > 0;
  }

  function cached() {
    try {
      var kept = JSON.parse(localStorage.getItem(storageKey) || 'null');
      return kept && kept.date === today() ? kept.events : [];
    } catch (error) { return []; }
  }

  function load() {
    var day = today();
    var url = box.getAttribute('data-url') + '?date=' + day + '&site=' + encodeURIComponent(site);
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        var json = (response.headers.get('Content-Type') || '').indexOf('application/json') === 0;
        return response.ok && json ? response.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        try { localStorage.setItem(storageKey, JSON.stringify({ date: day, events: data.events })); } catch (error) { /* private mode */ }
        render(data.events);
      })
      .catch(function () { /* offline: the kept list stays */ });
  }

  list.addEventListener('click', function (event) {
    var button = event.target.closest('[data-event-id]');
    if (!button) { return; }
    var dialog = box.closest('dialog');
    if (dialog && dialog.open) { if (dialog.close) { dialog.close(); } else { dialog.removeAttribute('open'); } }
    window.AffluenceTablet.log('arrival', 'event', {
      event: button.getAttribute('data-event-id'),
      event_type: button.getAttribute('data-event-type-code')
    });
  });

  render(cached());
  load();
  // The picker is opened from the "Événement" button: refresh the list then, and now and again.
  document.querySelectorAll('[data-picker="event-picker"]').forEach(function (button) {
    button.addEventListener('click', load);
  });
  setInterval(load, 5 * 60000);
}, 0);
