/* Service worker: the tablet (and any page listed below) reopens without a network. */
'use strict';

var VERSION = 'affluence-v4';
// Only the tablet's own assets (its two bundles, scripts/build-assets.sh): other pages' files
// are picked up at run time (stale while revalidate), so a file that is missing or renamed
// never stops the worker from installing.
var PRECACHE = [
  '/static/dist/tablet.css',
  '/static/dist/tablet.js'
];
// Pages a reception agent or a counsellor may need to reopen while the Wi-Fi is down.
var OFFLINE_PAGES = [/^\/accueil\//, /^\/entretiens\/nouveau/];

function offlinePage(pathname) {
  return OFFLINE_PAGES.some(function (re) { return re.test(pathname); });
}

/* Revalidate rather than reload: a file the page has just loaded comes back as a 304 and is
 * taken from the browser's HTTP cache, so installing costs headers, not the files again. */
function precache(cache) {
  return Promise.all(PRECACHE.map(function (url) {
    return cache.add(new Request(url, { cache: 'no-cache' })).catch(function () {});
  }));
}

// Pages as the browser received them on the visit that installed the worker, by URL: the
// page hands over its own copy (reception.js, interviews.js), so it is not downloaded twice.
var snapshots = {};

function pageRequest(data) {
  var url = new URL(data.url, self.location.origin);
  if (url.origin !== self.location.origin || !offlinePage(url.pathname)) { return null; }
  return new Request(url.pathname + url.search, { credentials: 'same-origin', redirect: 'manual' });
}

/* Keep a copy of a page the user opened, unless it is a redirect or an error. */
function keepPage(cache, request, response) {
  if (response.ok && response.type === 'basic' && !response.redirected) {
    return cache.put(request, response.clone());
  }
  return Promise.resolve();
}

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(VERSION).then(precache).then(function () { return self.skipWaiting(); }));
});

/* Carry the pages kept by an older version over, so an update never costs the offline reload. */
function carryPagesOver(oldName, cache) {
  return caches.open(oldName).then(function (old) {
    return old.keys().then(function (requests) {
      return Promise.all(requests.filter(function (request) {
        return offlinePage(new URL(request.url).pathname);
      }).map(function (request) {
        return cache.match(request).then(function (kept) {
          if (kept) { return null; }
          return old.match(request).then(function (response) { return response && cache.put(request, response); });
        });
      }));
    });
  });
}

self.addEventListener('activate', function (event) {
  event.waitUntil(Promise.all([caches.keys(), caches.open(VERSION)]).then(function (opened) {
    var oldNames = opened[0].filter(function (k) { return k !== VERSION; });
    return Promise.all(oldNames.map(function (name) {
      return carryPagesOver(name, opened[1]).catch(function () {}).then(function () { return caches.delete(name); });
    }));
  }).then(function () { return self.clients.claim(); }));
});

/* A page loaded before the worker took control asks for its own copy to be kept: with
 * 'keep-page-html' it hands the page itself over, then 'keep-page' names its scripts and styles
 * (outbox.js); the page is fetched again only when no copy came with the first message. */
self.addEventListener('message', function (event) {
  var data = event.data || {};
  if ((data.type !== 'keep-page' && data.type !== 'keep-page-html') || typeof data.url !== 'string') { return; }
  var request = pageRequest(data);
  if (!request) { return; }
  if (data.type === 'keep-page-html') {
    if (typeof data.html !== 'string' || !data.html) { return; }
    snapshots[request.url] = data.html;
    var response = new Response(data.html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    event.waitUntil(caches.open(VERSION).then(function (cache) { return cache.put(request, response); }));
    return;
  }
  var handedOver = Boolean(snapshots[request.url]);
  var assets = (Array.isArray(data.assets) ? data.assets : []).filter(function (asset) {
    return typeof asset === 'string' && new URL(asset, self.location.origin).href.indexOf(self.location.origin + '/static/') === 0;
  });
  event.waitUntil(caches.open(VERSION).then(function (cache) {
    // The page has just loaded these: the HTTP cache holds them, whatever their age.
    var keepAssets = Promise.all(assets.map(function (asset) {
      return cache.match(asset).then(function (cached) {
        return cached || cache.add(new Request(asset, { cache: 'force-cache' })).catch(function () {});
      });
    }));
    if (handedOver) { return keepAssets; }
    return keepAssets.then(function () { return fetch(request); })
      .then(function (response) { return keepPage(cache, request, response); })
      .catch(function () {});
  }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.indexOf('/api/') === 0) {
    return;  // API calls always go to the network: the outbox handles failures
  }
  if (request.mode === 'navigate') {
    if (!offlinePage(url.pathname)) { return; }
    // Network first, so a fresh page (and CSRF token) whenever the server answers.
    event.respondWith(caches.open(VERSION).then(function (cache) {
      return fetch(request).then(function (response) {
        return keepPage(cache, request, response).then(function () { return response; });
      }).catch(function () {
        return cache.match(request, { ignoreSearch: true }).then(function (cached) {
          return cached || Response.error();
        });
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
        });
        if (cached) {
          event.waitUntil(network.catch(function () {}));
          return cached;
        }
        return network;
      });
    }));
  }
});
