// outbox.js reads the IndexedDB wrapper as the global `idb`, as the other pages load it
// (app/static/vendor/idb/umd.js); in a bundle it comes from the npm package itself.
import * as idb from 'idb';

window.idb = idb;
