/* The floor board's pole and occupancy sections (issue 11) follow the rest of the board:
 * every minute the page is read again and these two sections are swapped in place. A
 * failed read leaves them as they were (the board's own status pill says it is stale). */
(function () {
  'use strict';

  var SECTIONS = ['floor-poles', 'floor-occupancy'];
  var holder = document.querySelector('[data-floor-refresh]');
  var seconds = Math.max(1, Number(holder && holder.getAttribute('data-floor-refresh')) || 60);

  function refresh() {
    fetch(location.href, { credentials: 'same-origin', cache: 'no-store', redirect: 'manual',
                           headers: { Accept: 'text/html' } })
      .then(function (response) {
        var type = response.headers.get('Content-Type') || '';
        if (!response.ok || type.indexOf('text/html') === -1) { return null; }
        return response.text();
      })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        SECTIONS.forEach(function (id) {
          var now = document.querySelector('[data-testid="' + id + '"]');
          var next = fresh.querySelector('[data-testid="' + id + '"]');
          if (now && next) { now.innerHTML = next.innerHTML; }
        });
      })
      .catch(function () { /* offline: keep what is shown */ });
  }

  setInterval(refresh, seconds * 1000);
}());
