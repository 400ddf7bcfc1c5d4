/* The exit kiosk (issue 11): one tap records an answer, a thank-you shows, the page resets.
 * Answers wait in the offline outbox like the tablet's entries. Taps during the thank-you
 * land on nothing; a burst of answers is throttled by the server, which keeps and counts
 * the refused taps for the director, so this page never has to show a refusal. */
(function () {
  'use strict';

  var O = window.AffluenceOutbox;
  var config = JSON.parse(document.getElementById('kiosk-config').textContent);
  var t = JSON.parse(document.getElementById('kiosk-i18n').textContent);
  var ask = document.getElementById('kiosk-ask');
  var thanks = document.getElementById('kiosk-thanks');
  var poles = Array.prototype.slice.call(document.querySelectorAll('[data-pole]'));
  var timer = null;

  var outbox = new O.Outbox({
    store: 'answers', url: '/api/v1/satisfaction', key: 'answers',
    onResult: function (body, result) {
      // Counted by the server as a refused tap: nothing for the visitor to dismiss here.
      if (result.status === 'rejected') { O.storage.remove('refused', body.id); }
    },
    onState: function (s) {
      document.getElementById('kiosk-queue').textContent = s.pending ? (s.pending === 1 ? t.pendingOne : t.pendingMany).replace('{n}', s.pending) : '';
    }
  });

  function chosenPole() {
    var pressed = poles.filter(function (b) { return b.getAttribute('aria-pressed') === 'true'; })[0];
    return pressed ? pressed.getAttribute('data-pole') : null;
  }

  function reset() {
    poles.forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
    thanks.hidden = true;
    ask.hidden = false;
  }

  poles.forEach(function (button) {
    button.addEventListener('click', function () {
      var on = button.getAttribute('aria-pressed') !== 'true';
      poles.forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      button.setAttribute('aria-pressed', String(on));
      clearTimeout(timer);
      timer = setTimeout(reset, 60000);  // a pole chosen and left: the next visitor starts afresh
    });
  });

  Array.prototype.slice.call(document.querySelectorAll('[data-score]')).forEach(function (button) {
    button.addEventListener('click', function () {
      if (ask.hidden) { return; }
      outbox.add({ id: O.uuid4(), answered_at: new Date().toISOString(), site: config.site,
                   score: Number(button.getAttribute('data-score')), pole: chosenPole() });
      ask.hidden = true;
      thanks.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(reset, config.thanksMs);
    });
  });

  outbox.watch(15000);
}());
