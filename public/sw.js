// Vigie's service worker. Hand-written, small, no library.
//
// - The build stamps BUILD and PRECACHE below (scripts/post-build.mjs): every build whose
//   files differ gets a byte-different worker, which is how browsers detect an update.
// - The shell is served cache-first: on 2G a network-first navigation can hang for a minute.
// - A new version installs in the background and WAITS; the page asks the user, then posts
//   "SKIP_WAITING". Never skip waiting unconditionally: a page running old code against a
//   new cache is how offline apps lose data.
'use strict';

// The outbox flush for Background Sync (delivery while the app is closed).
importScripts('/sw-outbox.js');

const BUILD = '__VIGIE_BUILD__';
const PRECACHE = ['/index.html' /* __VIGIE_PRECACHE__ */];
const CACHE = 'vigie-shell-' + BUILD;
const SHELL = '/index.html';

// Trunk's hashed file names (vigie-<hash>.js, …_bg.wasm, main-<hash>.css, boot-…js): their
// bytes never change under a name, and the server marks them immutable. Trunk prints its
// u64 hash without leading zeros, so a hash is 16 hex digits or, now and then, fewer (the
// same rule as the server's is_hashed_asset).
const HASHED = /-[0-9a-f]{8,16}(?:_bg)?\.(?:js|wasm|css)$/;

self.addEventListener('install', (event) => {
  // Hashed files may come from the HTTP cache: the page has just downloaded them on a first
  // visit, and an update shares the unchanged ones. Fetching them again would double the
  // first visit's download on 2G (a test counts the server's answers). Files without a hash
  // (index.html, the manifest, icons) are fetched fresh.
  // cache.addAll is atomic: any failed asset rejects the install, which the browser reports
  // to the page's registration. Nothing is swallowed here.
  const requests = PRECACHE.map((url) => new Request(url, { cache: HASHED.test(url) ? 'default' : 'reload' }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('vigie-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'SKIP_WAITING') self.skipWaiting();
});

function sameOrigin(url) {
  return url.origin === self.location.origin;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return; // submissions go straight to the network
  const url = new URL(request.url);
  if (!sameOrigin(url)) return; // backends are never cached by the worker
  // The receiver's API and coordinator pages always go to the network, never the app shell.
  if (url.pathname.startsWith('/api/') || url.pathname === '/coord' || url.pathname.startsWith('/coord/')) return;

  if (request.mode === 'navigate') {
    // Every in-app address is the same shell: deep links open offline too.
    event.respondWith(
      caches.match(SHELL, { cacheName: CACHE }).then((hit) => hit || fetch(request))
    );
    return;
  }

  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(request).then((hit) => {
        if (hit) return hit;
        return fetch(request).then((response) => {
          // Cache same-origin successes on the way through (icons, later additions).
          if (response.ok && response.type === 'basic') cache.put(request, response.clone());
          return response;
        });
      })
    )
  );
});

// Background Sync: the page registers the one-shot tag "outbox" when a record is queued and
// at every start; the browser fires it when the network is back, even with the app closed.
// Records left to retry (network, timeout, 408, 429, 5xx) make the event fail, so the
// browser tries again later; the page's own triggers never depend on this event.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil(
    self.VigieOutbox.flush().then(async (report) => {
      // Open pages re-read the outbox only when this flush changed it.
      if (report.delivered || report.retrying || report.rejected || report.needsAuth) {
        const pages = await self.clients.matchAll({ includeUncontrolled: true, type: 'window' });
        for (const page of pages) page.postMessage('outbox-changed');
      }
      if (report.retry) throw new Error('outbox: records left to retry');
    })
  );
});
