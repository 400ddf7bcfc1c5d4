/* Event pages (issue 9): confirm a cancellation; on the attendance form, the steppers, the
 * running sums of the splits (partial is fine, above the total is not) and the confirmation
 * asked before a total above ten times the capacity is sent. */
(function () {
  'use strict';

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) { event.preventDefault(); }
    });
  });

  // The planning form shows "until" only for a series.
  var until = document.querySelector('.repeat-until');
  if (until) {
    var repeat = document.querySelectorAll('input[name="repeat"]');
    var sync = function () {
      var weekly = document.querySelector('input[name="repeat"]:checked');
      until.hidden = !(weekly && weekly.value === 'weekly');
    };
    repeat.forEach(function (input) { input.addEventListener('change', sync); });
    sync();
  }

  var form = document.querySelector('.att-form');
  if (!form) { return; }
  var total = form.querySelector('#total');
  var capacity = parseInt(form.getAttribute('data-capacity'), 10) || 0;
  var factor = parseInt(form.getAttribute('data-factor'), 10) || 10;
  var box = form.querySelector('[data-confirm-box]');
  var confirmed = form.querySelector('#confirmed');

  function value(input) { var n = parseInt(input.value, 10); return isNaN(n) ? 0 : n; }
  function fill(text, values) { return text.replace(/\{(\w+)\}/g, function (_m, k) { return values[k]; }); }

  function sums() {
    form.querySelectorAll('[data-sum-for]').forEach(function (line) {
      var category = line.getAttribute('data-sum-for');
      var n = 0;
      form.querySelectorAll('[data-split="' + category + '"]').forEach(function (input) { n += value(input); });
      var all = value(total);
      line.classList.toggle('att-sum-over', n > all);
      if (!n) { line.textContent = ''; return; }
      var key = n > all ? 'data-over' : (n === all ? 'data-complete' : 'data-partial');
      line.textContent = fill(form.getAttribute(key), { n: n, total: all });
    });
  }

  function tooMany() { return capacity > 0 && value(total) > capacity * factor; }

  form.querySelectorAll('[data-step]').forEach(function (button) {
    button.addEventListener('click', function () {
      total.value = Math.max(0, value(total) + parseInt(button.getAttribute('data-step'), 10));
      total.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });
  form.addEventListener('input', function () {
    sums();
    if (!tooMany()) { box.hidden = true; }
  });
  form.addEventListener('submit', function (event) {
    if (tooMany() && !confirmed.checked) {
      event.preventDefault();
      box.hidden = false;
      confirmed.focus();
    }
  });
  sums();
  if (!total.value) { total.focus(); }
}());
