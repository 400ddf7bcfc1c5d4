/* Affluence outbox: entries are kept in IndexedDB until the server has acknowledged them.
 *
 * Every item carries a UUID made when it was tapped; the server treats it as an idempotency
 * key, so sending the same item twice (retry, replay after a Wi-Fi cut) stores it once.
 * Anything but a JSON answer counts as "not sent": an expired session redirecting to the
 * HTML login page must never look like a success.
 *
 * One item must never block the others (issue 7): a batch that fails (5xx, a cut mid-flight,
 * an answer that does not fit) is split, and its items go one by one; an item that fails
 * alone waits with a growing delay while the items behind it go on. An item the server
 * refuses is kept in the 'refused' store and listed on the page (an element
 * [data-outbox-refused="<store>"]) with the reason, until the person dismisses it.
 */
(function () {
  'use strict';

  var DB_NAME = 'affluence';
  var DB_VERSION = 3;
  // 'rounds' and 'answers': occupancy rounds and the exit kiosk (issue 11).
  var STORES = ['entries', 'interviews', 'undo', 'recent', 'refused', 'rounds', 'answers'];
  var RETRY_FIRST_MS = 2000;
  var RETRY_MAX_MS = 5 * 60 * 1000;
  var dbPromise = null;
  var memoryFallback = null;  // when IndexedDB is unavailable (private browsing)

  function database() {
    if (!dbPromise) {
      dbPromise = idb.openDB(DB_NAME, DB_VERSION, {
        upgrade: function (db) {
          STORES.forEach(function (name) {
            if (!db.objectStoreNames.contains(name)) {
              var store = db.createObjectStore(name, { keyPath: 'id' });
              store.createIndex('queuedAt', 'queuedAt');
            }
          });
        }
      });
    }
    return dbPromise;
  }

  function memoryStore(name) {
    memoryFallback = memoryFallback || {};
    memoryFallback[name] = memoryFallback[name] || new Map();
    return memoryFallback[name];
  }

  var storage = {
    put: function (store, value) {
      return database().then(function (db) { return db.put(store, value); })
        .catch(function () { memoryStore(store).set(value.id, value); throw new Error('storage'); });
    },
    get: function (store, id) {
      return database().then(function (db) { return db.get(store, id); })
        .catch(function () { return memoryStore(store).get(id); });
    },
    remove: function (store, id) {
      return database().then(function (db) { return db.delete(store, id); })
        .catch(function () { memoryStore(store).delete(id); });
    },
    all: function (store) {
      return database().then(function (db) { return db.getAllFromIndex(store, 'queuedAt'); })
        .catch(function () { return Array.from(memoryStore(store).values()); });
    }
  };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  function setCsrfToken(value) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { meta.setAttribute('content', value); }
  }

  /* Read a response as JSON; anything else is "network" (not sent). */
  function readJSON(response) {
    var type = response.headers.get('Content-Type') || '';
    if (response.type === 'opaqueredirect' || type.indexOf('application/json') === -1) {
      return Promise.resolve({ state: 'network', status: response.status });
    }
    return response.json().then(function (data) {
      if (response.status === 401) { return { state: 'auth', status: 401, data: data }; }
      return { state: response.ok ? 'ok' : 'error', status: response.status, data: data };
    }, function () { return { state: 'network', status: response.status }; });
  }

  var TIMEOUT_MS = 20000;

  /* fetch() with a deadline: a half-open Wi-Fi connection must not hang the queue forever. */
  function fetchWithin(url, options) {
    if (typeof AbortController === 'undefined') { return fetch(url, options); }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    options.signal = controller.signal;
    return fetch(url, options).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  /* One API call at a time from this page. A counts snapshot then always falls wholly
   * before or wholly after each batch it sent, so the page can tell what it holds. */
  var lane = Promise.resolve();
  var lastStart = 0;
  function oneAtATime(task) {
    var run = lane.then(function () {
      // Strictly increasing start times, even for two calls within one millisecond.
      lastStart = Math.max(Date.now(), lastStart + 1);
      return task(lastStart);
    });
    lane = run.then(function () {}, function () {});
    return run;
  }

  function refreshToken() {
    return fetchWithin('/api/v1/csrf', { credentials: 'same-origin', redirect: 'manual',
                                         headers: { Accept: 'application/json' } })
      .then(readJSON)
      .then(function (result) {
        if (result.state === 'ok' && result.data.csrf_token) { setCsrfToken(result.data.csrf_token); }
        return result.state;
      }, function () { return 'network'; });
  }

  function sendPost(url, body, retried) {
    return fetchWithin(url, {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
                 'X-CSRFToken': csrfToken() },
      body: JSON.stringify(body)
    }).then(readJSON, function () { return { state: 'network' }; })
      .then(function (result) {
        var csrfFailed = result.status === 400 && result.data && result.data.error === 'csrf';
        if (!csrfFailed || retried) { return result; }
        // The token no longer matches the session (new login, expired session): get a new one.
        return refreshToken().then(function (state) {
          if (state === 'ok') { return sendPost(url, body, true); }
          return { state: state === 'auth' ? 'auth' : 'network' };
        });
      });
  }

  /* POST JSON; resolve to {state: ok|error|auth|network, status, data, startedAt}. Never rejects. */
  function postJSON(url, body) {
    return oneAtATime(function (startedAt) {
      return sendPost(url, body, false).then(function (result) {
        result.startedAt = startedAt;
        return result;
      });
    });
  }

  /* GET JSON; resolve like postJSON. */
  function getJSON(url) {
    return oneAtATime(function (startedAt) {
      return fetchWithin(url, { credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
                                headers: { Accept: 'application/json' } })
        .then(readJSON, function () { return { state: 'network' }; })
        .then(function (result) {
          result.startedAt = startedAt;
          return result;
        });
    });
  }

  /* A queue of items for one batch endpoint, e.g. /api/v1/entries with key "entries". */
  function Outbox(options) {
    this.store = options.store;
    this.url = options.url;
    this.key = options.key;
    this.batchSize = options.batchSize || 100;
    this.onResult = options.onResult || function () {};
    this.onState = options.onState || function () {};
    this.onDelivered = options.onDelivered || function () {};
    this.flushing = null;
    this.authNeeded = false;
    this.online = navigator.onLine;
    this.retryDelay = RETRY_FIRST_MS;
    this.timer = null;
    this.wakeAt = null;
    this.refusedBox = document.querySelector('[data-outbox-refused="' + this.store + '"]');
    this.renderRefused();
  }

  Outbox.prototype.add = function (body) {
    var item = { id: body.id, body: body, queuedAt: Date.now() };
    var self = this;
    // Sent again (corrected, resumed): no longer a refused item.
    storage.remove('refused', body.id).then(function () { self.renderRefused(); });
    return storage.put(this.store, item).catch(function () {
      self.onState({ storageFailed: true });
    }).then(function () { self.schedule(50); });
  };

  Outbox.prototype.pending = function () { return storage.all(this.store); };
  Outbox.prototype.remove = function (id) { return storage.remove(this.store, id); };

  Outbox.prototype.schedule = function (delay) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.flush(); }, delay);
  };

  Outbox.prototype.report = function () {
    var self = this;
    return this.pending().then(function (items) {
      self.onState({ pending: items.length, online: self.online, authNeeded: self.authNeeded,
                     inFlight: Boolean(self.flushing) });
      return items;
    });
  };

  /* Send everything queued, batch after batch; one flush at a time. */
  Outbox.prototype.flush = function () {
    var self = this;
    if (this.flushing) { this.again = true; return this.flushing; }
    this.again = false;
    this.wakeAt = null;
    // A storage failure must not leave a flush pending forever: that would stop every retry.
    this.flushing = this.sendBatches(null).catch(function () { return 'network'; }).then(function (outcome) {
      self.flushing = null;
      if (outcome === 'network') {
        self.online = false;
        self.schedule(self.again ? 0 : self.retryDelay);
        self.retryDelay = Math.min(self.retryDelay * 2, 30000);
      } else if (outcome === 'ok') {
        self.online = true;
        self.retryDelay = RETRY_FIRST_MS;
        if (self.again) {
          self.schedule(0);
        } else if (self.wakeAt) {
          // Items waiting after a failure of their own: come back when the first is due.
          self.schedule(Math.max(self.wakeAt - Date.now(), 250));
        }
      }
      return self.report().then(function () { return outcome; });
    });
    return this.flushing;
  };

  function retryDelayFor(attempts) {
    var delay = Math.min(RETRY_FIRST_MS * Math.pow(2, attempts - 1), RETRY_MAX_MS);
    return delay * (0.8 + Math.random() * 0.4);  // tablets failing together do not retry together
  }

  /* Did the server refuse this lone item for good (a 4xx that is not about the session)? */
  function refusedForGood(result) {
    var status = result.status || 0;
    var transient = [401, 403, 408, 425, 429];
    return status >= 400 && status < 500 && transient.indexOf(status) === -1 &&
      !(result.data && result.data.error === 'csrf');
  }

  Outbox.prototype.putBack = function (items, change) {
    var self = this;
    return Promise.all(items.map(function (item) {
      change(item);
      return storage.put(self.store, item).catch(function () {});
    }));
  };

  /* Send the items that are due, batch after batch; resolve to ok, network or auth.
   * suspect: a lone item whose request was cut; it is only to blame if the next one passes. */
  Outbox.prototype.sendBatches = function (suspect) {
    var self = this;
    return this.pending().then(function (items) {
      var now = Date.now();
      var due = items.filter(function (item) {
        if (item.notBefore && item.notBefore > now) {
          self.wakeAt = Math.min(self.wakeAt || item.notBefore, item.notBefore);
          return false;
        }
        return !(suspect && item.id === suspect.id);
      });
      // A lone item was cut and nothing else can tell whether the network is there: offline.
      if (!due.length) { return suspect ? 'network' : 'ok'; }
      var batch = due[0].solo ? [due[0]] : [];
      if (!batch.length) {
        for (var i = 0; i < due.length && batch.length < self.batchSize && !due[i].solo; i += 1) {
          batch.push(due[i]);
        }
      }
      self.inFlightIds = new Set(batch.map(function (item) { return item.id; }));
      var payload = {};
      payload[self.key] = batch.map(function (item) { return item.body; });
      return postJSON(self.url, payload).then(function (result) {
        self.inFlightIds = null;
        if (result.state === 'auth') { self.authNeeded = true; self.online = true; return 'auth'; }
        // A network failure says nothing about the session: keep what the last answer told.
        if (result.state !== 'network') { self.authNeeded = false; }
        var results = result.data && result.data.results;
        var answered = result.state === 'ok' && Array.isArray(results) && results.length === batch.length;
        if (answered) {
          return self.delivered(batch, results, result.startedAt).then(function () {
            if (!suspect) { return self.sendBatches(null); }
            // The next item went through: the cut was the suspect's own doing. Let it wait.
            return self.putBack([suspect], function (item) {
              item.attempts = (item.attempts || 0) + 1;
              item.notBefore = Date.now() + retryDelayFor(item.attempts);
            }).then(function () { return self.sendBatches(null); });
          });
        }
        if (batch.length > 1) {
          // Some item in there may be what fails: from now on these go one by one.
          return self.putBack(batch, function (item) { item.solo = true; }).then(function () {
            return result.state === 'network' ? 'network' : self.sendBatches(null);
          });
        }
        var lone = batch[0];
        if (result.state === 'network') {
          // Offline, or this one item breaks the server? Try the next: if it fails too, offline.
          return suspect ? 'network' : self.sendBatches(lone);
        }
        if (refusedForGood(result)) {
          var data = result.data || {};
          var refusal = { id: lone.id, status: 'rejected', field: data.field || self.key,
                          error: data.message || String(result.status) };
          return self.delivered([lone], [refusal], result.startedAt).then(function () {
            return self.sendBatches(suspect);
          });
        }
        return self.putBack([lone], function (item) {
          item.solo = true;
          item.attempts = (item.attempts || 0) + 1;
          item.notBefore = Date.now() + retryDelayFor(item.attempts);
        }).then(function () { return self.sendBatches(suspect); });
      });
    });
  };

  /* The server answered for these items: drop them from the queue, keep the refused ones. */
  Outbox.prototype.delivered = function (batch, results, startedAt) {
    var self = this;
    self.online = true;
    return Promise.all(results.map(function (res, i) {
      var item = batch[i];
      var kept = res.status === 'rejected'
        ? storage.put('refused', { id: item.id, store: self.store, body: item.body, field: res.field,
                                   error: res.error || '', queuedAt: item.queuedAt,
                                   refusedAt: Date.now() }).catch(function () {})
        : Promise.resolve();
      return kept.then(function () { return storage.remove(self.store, item.id); }).then(function () {
        self.onResult(item.body, res, startedAt);
      });
    })).then(function () {
      self.onDelivered(batch.length);
      self.renderRefused();
    });
  };

  /* The items the server refused, as kept on this device (oldest first). */
  Outbox.prototype.refused = function () {
    var self = this;
    return storage.all('refused').then(function (items) {
      return items.filter(function (item) { return item.store === self.store; });
    });
  };

  /* List the refused items in the page's [data-outbox-refused] element, each with its reason. */
  Outbox.prototype.renderRefused = function () {
    var box = this.refusedBox;
    if (!box) { return Promise.resolve(); }
    var self = this;
    return this.refused().then(function (items) {
      box.textContent = '';
      box.hidden = items.length === 0;
      if (!items.length) { return; }
      var title = document.createElement('h2');
      title.textContent = box.getAttribute('data-title') || '';
      box.appendChild(title);
      var list = document.createElement('ul');
      list.setAttribute('data-testid', 'refused-' + self.store);
      items.forEach(function (item) {
        var li = document.createElement('li');
        var when = item.body && (item.body.occurred_at || item.body.started_at);
        var text = document.createElement('span');
        text.textContent = (when ? clockOf(when) + ' — ' : '') + item.error;
        var dismiss = document.createElement('button');
        dismiss.type = 'button';
        dismiss.className = 'btn btn-quiet';
        dismiss.textContent = box.getAttribute('data-dismiss') || '×';
        dismiss.addEventListener('click', function () {
          storage.remove('refused', item.id).then(function () { self.renderRefused(); });
        });
        li.appendChild(text);
        li.appendChild(dismiss);
        list.appendChild(li);
      });
      box.appendChild(list);
    });
  };

  function clockOf(isoInstant) {
    var date = new Date(isoInstant);
    if (isNaN(date.getTime())) { return ''; }
    return window.AffluenceClock.stamp(date);
  }

  Outbox.prototype.isInFlight = function (id) {
    return Boolean(this.inFlightIds && this.inFlightIds.has(id));
  };

  /* Retry on load, when the browser says it is online, on a timer and when shown again. */
  Outbox.prototype.watch = function (intervalMs) {
    var self = this;
    window.addEventListener('online', function () { self.online = true; self.flush(); });
    window.addEventListener('offline', function () { self.online = false; self.report(); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') { self.flush(); }
    });
    // Coming back to the tab after logging in again elsewhere sends what waited.
    window.addEventListener('focus', function () { self.flush(); });
    setInterval(function () { self.flush(); }, intervalMs || 15000);
    return this.flush();
  };

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    // randomUUID needs a secure context; a LAN tablet on plain http still has getRandomValues.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' +
      hex.slice(16, 20) + '-' + hex.slice(20);
  }

  // The site's day of an instant, 'YYYY-MM-DD' (clock.js, loaded before this file).
  function parisDay(date) {
    return window.AffluenceClock.day(date);
  }

  /* Register the service worker and have it keep a copy of this page for offline reloads.
   * pageHtml, the page as it arrived, spares the worker a second download of it (the page is
   * sent no-store, so the browser's cache cannot give it back). */
  function registerServiceWorker(pageHtml) {
    if (!('serviceWorker' in navigator)) { return; }
    // A page served through the worker is already kept; the first visit is not.
    var controlled = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {});
    navigator.serviceWorker.ready.then(function (registration) {
      if (!controlled && registration.active) {
        if (pageHtml) {
          registration.active.postMessage({ type: 'keep-page-html', html: pageHtml,
                                            url: location.pathname + location.search });
        }
        // ...nor the scripts and styles it loaded: hand the worker the list to keep as well.
        var assets = performance.getEntriesByType('resource').map(function (entry) { return entry.name; })
          .filter(function (url) { return url.indexOf(location.origin + '/static/') === 0; });
        registration.active.postMessage({ type: 'keep-page', url: location.pathname + location.search,
                                          assets: assets });
      }
    });
  }

  /* Show the network and queue pills of a page (#net-status, #queue-status). */
  function renderConnection(s, t) {
    var net = document.getElementById('net-status');
    var online = s.online && navigator.onLine;
    net.textContent = online ? t.online : t.offline;
    net.className = 'pill ' + (online ? 'pill-online' : 'pill-offline');
    var queue = document.getElementById('queue-status');
    queue.textContent = s.pending ? s.pending + ' ' + t.pending : t.allSent;
    queue.className = 'pill ' + (s.pending ? 'pill-pending' : 'pill-done');
  }

  window.AffluenceOutbox = {
    renderConnection: renderConnection,
    Outbox: Outbox,
    storage: storage,
    postJSON: postJSON,
    getJSON: getJSON,
    uuid4: uuid4,
    parisDay: parisDay,
    registerServiceWorker: registerServiceWorker
  };
}());
