/* The counsellor's status (issue 11): available, in an interview, away, in one tap.
 * "Commencer l'entretien" sets "in an interview" and the form's start time to now; once
 * the interview is saved the server sets "available" again, and so does this page. */
(function () {
  'use strict';

  var O = window.AffluenceOutbox;
  var box = document.querySelector('[data-testid="presence"]');
  if (!O || !box) { return; }
  var t = JSON.parse(document.getElementById('presence-i18n').textContent);
  var note = document.getElementById('presence-note');
  var buttons = Array.prototype.slice.call(box.querySelectorAll('[data-status]'));

  function show(status) {
    buttons.forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-status') === status));
    });
  }

  function say(message, isError) {
    note.textContent = message;
    note.className = 'presence-note' + (isError ? ' is-error' : '');
  }

  /* The pole chosen on the form, else the account's own (the server's default). */
  function pole() {
    var checked = document.querySelector('input[name="pole"]:checked');
    return checked ? checked.value : null;
  }

  function send(status) {
    var previous = buttons.filter(function (b) { return b.getAttribute('aria-pressed') === 'true'; })[0];
    show(status);
    return O.postJSON('/api/v1/presence', { status: status, pole: pole() }).then(function (result) {
      if (result.state === 'ok') { show(result.data.status); say(t.saved); return true; }
      show(previous ? previous.getAttribute('data-status') : null);
      say(result.state === 'error' && result.data ? result.data.message : t.offline, true);
      return false;
    });
  }

  buttons.forEach(function (button) {
    button.addEventListener('click', function () { send(button.getAttribute('data-status')); });
  });

  function two(n) { return (n < 10 ? '0' : '') + n; }

  document.getElementById('start-interview').addEventListener('click', function () {
    var now = new Date();
    var date = document.getElementById('started_date');
    var time = document.getElementById('started_time');
    var day = window.AffluenceClock.day(now);
    var clock = window.AffluenceClock.time(now);
    if (date && time) {
      date.value = day;
      time.value = clock;
      // The form then keeps this start time rather than the time it is saved at.
      time.dispatchEvent(new Event('input', { bubbles: true }));
    }
    send('in_interview').then(function (ok) {
      if (ok) { say(t.started.replace('{time}', clock)); }
    });
  });

  // The form confirms a saved interview in #confirmation: the server made us available.
  var confirmation = document.getElementById('confirmation');
  if (confirmation && window.MutationObserver) {
    new MutationObserver(function () {
      if (!confirmation.hidden && !/is-error/.test(confirmation.className) &&
          box.querySelector('[data-status="in_interview"][aria-pressed="true"]')) {
        setTimeout(load, 1500);
        show('available');
      }
    }).observe(confirmation, { attributes: true, childList: true });
  }

  function load() {
    return O.getJSON('/api/v1/presence').then(function (result) {
      if (result.state === 'ok') { show(result.data.status); }
    });
  }
  load();
}());
