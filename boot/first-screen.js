// Runs in <head>, before the first paint: tells index.html's static first screen what the app
// is about to show, so that screen matches it instead of being replaced by something else a
// few seconds later (on 2G the wasm takes that long). It only reads; on any failure the
// static screen keeps its defaults (Home's title and tiles).
//  - data-first-run: the welcome card will be on Home (src/views/welcome.rs, key
//    vigie/welcomed unset), so its title and introduction are painted now;
//  - data-boot-form: the address is a form (/new/<id>, or /report for the incident form), so
//    that form's title replaces Home's tiles (style/main.css shows the built-in forms' titles);
//    the bootstrap asks again (window.vigieFirstScreen) when a link of the first screen is
//    followed before the app runs;
//  - data-lang="en" (and the page's lang): English was chosen (key vigie/prefs), so the
//    English words show; any other language keeps the French ones, as the app does where a
//    published translation has no word.
(function () {
  var root = document.documentElement;
  function place(path) {
    var form = /^\/report\/?$/.test(path) ? [path, 'incident'] : /^\/new\/([\w-]+)\/?$/.exec(path);
    if (form) root.setAttribute('data-boot-form', form[1]);
    else root.removeAttribute('data-boot-form');
  }
  place(location.pathname);
  window.vigieFirstScreen = place;
  try {
    if (localStorage.getItem('vigie/welcomed') !== 'true') root.setAttribute('data-first-run', '');
    if (JSON.parse(localStorage.getItem('vigie/prefs') || '{}').lang === 'en') {
      root.setAttribute('data-lang', 'en');
      root.lang = 'en';
    }
  } catch (e) {
    // No storage (or no readable preferences): the defaults, as in the app.
  }
})();
