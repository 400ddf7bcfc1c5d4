"""The pages' clock (static/js/clock.js) gives the site's day and time as Intl would, cheaper.

The tablet reads the day of an instant from the UTC offsets the server sends (page-config
.clock) instead of building an Intl formatter, whose time-zone data cost a slow tablet
180 ms. These tests hold it to Intl's answers in Chromium, around both changes of offset.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_tablet_layout import agent, open_tablet_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

AGREES_WITH_INTL = """() => {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const intl = (date) => {
    const p = {}; format.formatToParts(date).forEach((part) => { p[part.type] = part.value; });
    return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute;
  };
  const config = JSON.parse(document.getElementById('page-config').textContent).clock;
  const instants = [];
  // Every 7 minutes over the whole table, and each minute around each change of offset.
  for (let ms = config.offsets[0][0]; ms < config.until; ms += 7 * 60000) { instants.push(ms); }
  config.offsets.slice(1).forEach(([at]) => {
    for (let ms = at - 90 * 60000; ms <= at + 90 * 60000; ms += 60000) { instants.push(ms); }
  });
  // Beyond the table (a page reopened offline long after): the Intl fallback.
  instants.push(config.until + 3 * 3600000, config.until + 200 * 86400000, config.offsets[0][0] - 86400000);
  const differ = instants.filter((ms) => {
    const date = new Date(ms); const p = AffluenceClock.parts(date);
    return p.day + ' ' + p.time !== intl(date);
  }).map((ms) => new Date(ms).toISOString());
  return { checked: instants.length, changes: config.offsets.length - 1, differ: differ.slice(0, 5) };
}"""


def test_the_clock_agrees_with_intl_minute_by_minute_around_each_change(page, live_server, agent):  # noqa: F811
    open_tablet_in(page, live_server.url, agent.username, "fr")
    result = page.evaluate(AGREES_WITH_INTL)
    assert result["changes"] >= 2, result  # a year holds the spring and the autumn change
    assert result["checked"] > 80_000, result
    assert result["differ"] == [], result


def test_a_wall_clock_time_becomes_the_right_instant_on_both_dst_days(page, live_server, agent):  # noqa: F811
    open_tablet_in(page, live_server.url, agent.username, "fr")
    instants = page.evaluate("""() => [
        ['2027-03-27', '12:00'], ['2027-03-28', '01:30'], ['2027-03-28', '03:30'], ['2027-03-28', '12:00'],
        ['2027-10-31', '01:30'], ['2027-10-31', '03:30'], ['2027-10-31', '23:59'], ['2026-12-25', '09:15'],
      ].map(([day, time]) => AffluenceClock.instant(day, time).toISOString())""")
    assert instants == [
        "2027-03-27T11:00:00.000Z", "2027-03-28T00:30:00.000Z", "2027-03-28T01:30:00.000Z",
        "2027-03-28T10:00:00.000Z", "2027-10-30T23:30:00.000Z", "2027-10-31T02:30:00.000Z",
        "2027-10-31T22:59:00.000Z", "2026-12-25T08:15:00.000Z",
    ]
    # And back: each instant reads as the wall-clock time it came from.
    assert page.evaluate("""() => AffluenceClock.parts(AffluenceClock.instant('2027-10-31', '03:30')).time""") == "03:30"
    assert page.evaluate("() => AffluenceClock.stamp(new Date('2027-03-28T10:05:00Z'))") == "28/03 12:05"
