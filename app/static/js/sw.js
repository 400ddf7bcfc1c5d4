/* Service worker: the tablet and interview pages reload without a network. */
'use strict';

var VERSION = 'affluence-v1';
var PRECACHE = [
  '/static/css/app.css',
  '/static/js/outbox.js',
  '/static/js/reception.js',
  '/static/vendor/idb/umd.js'
];
// Pages a counter or a counsellor may need to reopen while the Wi-Fi is down.
var OFFLINE_PAGES = [/^\/accueil\//, /^\/entretiens\/nouveau/];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== VERSION; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.indexOf('/api/') === 0) {
    return;  // API calls always go to the network: the outbox handles failures
  }
  if (request.mode === 'navigate') {
    if (!OFFLINE_PAGES.some(function (re) { return re.test(url.pathname); })) { return; }
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(VERSION).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (cached) {
        return cached || new Response('<h1>Hors ligne</h1>', { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
      });
    }));
    return;
  }
  if (url.pathname.indexOf('/static/') === 0) {
    // Stale while revalidate: instant from cache, refreshed in the background.
    event.respondWith(caches.open(VERSION).then(function (cache) {
      return cache.match(request).then(function (cached) {
        var network = fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        }).catch(function () { return cached; });
        return cached || network;
      });
    }));
  }
});
