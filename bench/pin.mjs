// What a stolen profile costs an attacker who tries every PIN offline: one PBKDF2-SHA-256
// derivation per guess (the round count is in the stored lock), timed on this machine's
// core with node's crypto (OpenSSL, the same derivation WebCrypto does). Prints the median
// of 7 runs per setting and the worst-case time to try every PIN on one core.
import { pbkdf2Sync } from 'node:crypto';

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function perGuessMs(rounds) {
  const runs = [];
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    pbkdf2Sync('004213', Buffer.alloc(16, 7), rounds, 32, 'sha256');
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(runs);
}

const rows = [
  ['earlier builds: 4 digits, 150,000 rounds', 150_000, 1e4],
  ['new PINs: 6 digits, 600,000 rounds', 600_000, 1e6],
  ['new PINs: 8 digits, 600,000 rounds', 600_000, 1e8],
];
const fmt = (s) => (s < 120 ? `${s.toFixed(0)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : s < 172800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(0)} days`);
const base = perGuessMs(150_000);
for (const [label, rounds, pins] of rows) {
  const ms = rounds === 150_000 ? base : perGuessMs(rounds);
  console.log(`PIN guess cost, ${label}: ${ms.toFixed(1)} ms a guess (×${(ms / base).toFixed(2)}), every PIN in ${fmt((pins * ms) / 1000)} on one core`);
}
// With the phone's own lock joined (WebAuthn PRF, docs/OFFLINE.md), the key also needs 256
// bits only the phone's authenticator gives after the person confirms: nothing to time here.
console.log("PIN guess cost, any PIN with the phone's lock joined: no guess can be made from the profile's files (each needs the phone and its screen lock)");
