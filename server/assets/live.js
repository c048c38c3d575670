// Live updates of the coordinator pages (server-sent events from /coord/events): the open
// cases list is read again when a case is opened or changed in the reader's scope, a live
// region says so, and for a new, raised or overdue case a short beep and, where the
// browser allows, a system notification.
// Without this script the pages work the same, refreshed by hand.
'use strict';
(function () {
  if (!('EventSource' in window)) return;
  const list = document.querySelector('[data-testid="cases"]');
  const status = document.querySelector('[data-testid="live-status"]');
  const say = (text) => { if (status) status.textContent = text; };
  // The words come from the server's catalogue, in the page's language.
  const words = { updated: status?.dataset.updated ?? '', case: status?.dataset.title ?? '' };
  function beep() {
    try {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no sound here */ }
  }
  async function refresh() {
    if (!list) return;
    try {
      const res = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.querySelector('[data-testid="cases"]');
      if (fresh) list.replaceChildren(...fresh.childNodes);
      const empty = doc.querySelector('p.empty');
      const shown = document.querySelector('p.empty');
      if (shown && !empty) shown.remove();
    } catch (e) { /* offline for a moment: the next event reads it again */ }
  }
  const source = new EventSource('/coord/events');
  source.addEventListener('case', async (e) => {
    let ev = {};
    try { ev = JSON.parse(e.data); } catch (_) { /* keep going */ }
    await refresh();
    say(words.updated);
    // Sound and system notification for what people must be told (a new case, one raised
    // to red, one nobody took in charge in time), not for every change.
    if (!ev.notice) return;
    if (ev.level === 'rouge' || ev.level === 'orange') beep();
    if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
      new Notification(`${words.case} ${ev.level || ''} · ${ev.place || ''}`);
    }
  });
  source.addEventListener('stale', refresh);
  const ask = document.querySelector('[data-testid="notify"]');
  if (ask && 'Notification' in window && Notification.permission === 'default') {
    ask.hidden = false;
    ask.addEventListener('click', () => Notification.requestPermission().then(() => { ask.hidden = true; }));
  }
})();
