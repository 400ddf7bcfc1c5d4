/* The site's wall clock: which day and what time it is where the centre is (TIMEZONE).
 *
 * The server hands each page the UTC offsets of the site's time zone from yesterday to about
 * a year ahead, read from its own time-zone database (page-config.clock, app/clock.py), so
 * the tablet finds the day of an instant with a little arithmetic. The browser's Intl
 * formatters give the same answers, but the first one a page builds loads the time-zone data
 * and costs about 45 ms (180 ms on a slow tablet), enough to keep a tap waiting; they remain
 * the fallback for an instant outside the table (a page reopened offline a year later).
 *
 *   AffluenceClock.day(date)    'YYYY-MM-DD'
 *   AffluenceClock.time(date)   'HH:MM' (24 h)
 *   AffluenceClock.parts(date)  {day, time, minutes (since midnight), seconds}
 *   AffluenceClock.stamp(date)  'DD/MM HH:MM', for lists of what was queued
 *   AffluenceClock.instant(day, time)  the Date of a wall-clock day and time, DST-correct
 */
(function () {
  'use strict';

  var MINUTE = 60000;
  var settings = {};
  try {
    var el = document.getElementById('page-config');
    settings = (el && JSON.parse(el.textContent).clock) || {};
  } catch (error) { settings = {}; }
  var zone = settings.zone || 'Europe/Paris';
  // [[fromMs, offsetMinutes], ...], ascending: each offset holds until the next entry's instant.
  var offsets = settings.offsets || [];
  var until = settings.until || 0;

  function two(n) { return (n < 10 ? '0' : '') + n; }

  var intlFormat = null;
  function intlOffsetMinutes(date) {
    intlFormat = intlFormat || new Intl.DateTimeFormat('en-GB', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit'
    });
    var p = {};
    intlFormat.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    var wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / MINUTE);
  }

  /* The zone's offset from UTC at an instant, in minutes. */
  function offsetMinutes(date) {
    var ms = date.getTime();
    if (offsets.length && ms >= offsets[0][0] && ms < until) {
      var found = offsets[0][1];
      for (var i = 1; i < offsets.length && offsets[i][0] <= ms; i += 1) { found = offsets[i][1]; }
      return found;
    }
    return intlOffsetMinutes(date);
  }

  function parts(date) {
    var wall = new Date(date.getTime() + offsetMinutes(date) * MINUTE);
    var hours = wall.getUTCHours();
    var minutes = wall.getUTCMinutes();
    return {
      day: wall.getUTCFullYear() + '-' + two(wall.getUTCMonth() + 1) + '-' + two(wall.getUTCDate()),
      time: two(hours) + ':' + two(minutes),
      minutes: hours * 60 + minutes,
      seconds: wall.getUTCSeconds(),
      dayOfMonth: two(wall.getUTCDate()),
      month: two(wall.getUTCMonth() + 1)
    };
  }

  /* The instant of a wall-clock day and time (two passes, so a time near a change of offset
   * takes the offset in force then). */
  function instant(day, time) {
    var d = day.split('-').map(Number);
    var t = time.split(':').map(Number);
    var wall = Date.UTC(d[0], d[1] - 1, d[2], t[0], t[1], t[2] || 0);
    var guess = wall - offsetMinutes(new Date(wall)) * MINUTE;
    return new Date(wall - offsetMinutes(new Date(guess)) * MINUTE);
  }

  window.AffluenceClock = {
    zone: zone,
    parts: parts,
    day: function (date) { return parts(date).day; },
    time: function (date) { return parts(date).time; },
    stamp: function (date) { var p = parts(date); return p.dayOfMonth + '/' + p.month + ' ' + p.time; },
    offsetMinutes: offsetMinutes,
    instant: instant
  };
}());
