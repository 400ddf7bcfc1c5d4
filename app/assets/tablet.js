/* The reception tablet's scripts, bundled by scripts/build-assets.sh into static/dist/tablet.js.
 * One file instead of five: a cold tablet fetches and starts one script (issue 8's target,
 * the first destination usable in under 300 ms with the CPU slowed 4x). The files stay as
 * they are; their order here is the order they ran in as separate <script> tags. */
import '../static/js/clock.js';
import './idb-global.js';
import '../static/js/outbox.js';
import '../static/js/reception.js';
import '../static/js/events-picker.js';
import '../static/js/floor-tablet.js';
