// Runs benches/peers/stub.mjs in a child process (its own core on a 2-core machine, its
// memory not counted in the client's process) and talks to it over HTTP.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.mjs';

export async function spawnStub() {
  const proc = spawn(process.execPath, [join(root, 'benches/peers/stub.mjs'), '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => proc.kill('SIGTERM');
  process.once('exit', kill); // never leave the stub running, even on a crash
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    proc.once('exit', (code) => reject(new Error(`stub exited (${code}): ${err}`)));
  });
  return {
    url,
    /** {counts: {route: n}, minted}: every request the stub saw since the last reset. */
    stats: () => fetch(`${url}/__stub/stats`).then((r) => r.json()),
    reset: () => fetch(`${url}/__stub/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()),
    /** The child's peak RSS (VmHWM), Linux only. */
    peakRss() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : null;
      } catch {
        return null;
      }
    },
    close: () =>
      new Promise((resolve) => {
        process.removeListener('exit', kill);
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        kill();
      }),
  };
}
