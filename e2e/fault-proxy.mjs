// A fault-injecting proxy in front of the real receiver, loopback only and bounded: each
// POST takes the next fault from a plan; a body containing "TROP GROS" gets 413 whatever
// the plan. It answers CORS itself, as a cross-origin backend would.
import http from 'node:http';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, authorization, idempotency-key',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
};

function idsOf(body) {
  try {
    const v = JSON.parse(body);
    return Array.isArray(v.records) ? v.records.map((r) => r.id) : [v.id];
  } catch {
    return [];
  }
}

/** Starts the proxy; `plan` lists faults: pass, drop-before, drop-after, error-500, hang, hold. */
export async function startFaultProxy(target, plan = [], { holdMs = 1500 } = {}) {
  const log = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // Faults and the log are for submissions: other calls (forms, plans, case status)
      // pass through untouched.
      const submission = req.method === 'POST' && req.url.includes('/submissions');
      const fault = submission ? (body.includes('TROP GROS') ? '413' : plan.shift() ?? 'pass') : 'pass';
      if (submission) log.push({ ids: idsOf(body), fault });
      if (fault === '413') {
        res.writeHead(413, { ...CORS, 'content-type': 'text/plain' }).end('Request Entity Too Large');
        return;
      }
      if (fault === 'drop-before') return req.socket.destroy();
      if (fault === 'error-500') {
        res.writeHead(500, CORS).end('upstream error');
        return;
      }
      if (fault === 'hang') return; // never answers; the app's timeout fires; stop() cleans up
      const upstream = await fetch(target + req.url, {
        method: req.method,
        headers: Object.fromEntries(
          ['content-type', 'authorization', 'idempotency-key'].filter((h) => req.headers[h]).map((h) => [h, req.headers[h]])
        ),
        body: req.method === 'POST' ? body : undefined,
      });
      const text = await upstream.text();
      if (fault === 'drop-after') return req.socket.destroy(); // stored, but the phone never hears
      if (fault === 'hold') await new Promise((r) => setTimeout(r, holdMs));
      if (res.destroyed) return;
      res.writeHead(upstream.status, { ...CORS, 'content-type': upstream.headers.get('content-type') ?? 'text/plain' }).end(text);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const timer = setTimeout(() => stop(), 300_000); // never outlive the suite
  function stop() {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    return new Promise((ok) => server.close(() => ok()));
  }
  return { url: `http://127.0.0.1:${server.address().port}`, log, plan, stop };
}
