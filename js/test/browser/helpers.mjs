// Shared by the browser suites: launching Debian's headless Chromium through playwright-core,
// a tiny static file server on 127.0.0.1, and bounded waits. Recipe and gotchas:
// /work/shared/research/browser-and-tty-testing.md, part 1.
import { existsSync, mkdtempSync, rmSync, createReadStream, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, extname, sep } from 'node:path';
import http from 'node:http';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.KEYMINT_CHROMIUM || '/usr/bin/chromium';

/** Generous bounds for 2 slow, shared cores; no step should come near them. */
export const STEP_TIMEOUT_MS = 60_000;
export const TEST_TIMEOUT_MS = 180_000;

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * A persistent context on a fresh user-data-dir (removed by close()). With `extension`, that
 * unpacked extension is loaded (Playwright's own --disable-extensions needs the -except flag).
 * @param {{extension?: string, viewport?: {width: number, height: number}}} [opts]
 */
export async function launch({ extension, viewport } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`make test-browser\` (it installs Debian's chromium) or set KEYMINT_CHROMIUM`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'keymint-chromium-'));
  const args = [...BASE_ARGS];
  if (extension) args.push(`--disable-extensions-except=${extension}`, `--load-extension=${extension}`);
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args,
      viewport: viewport ?? { width: 800, height: 600 },
      timeout: STEP_TIMEOUT_MS,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
  return {
    ctx,
    async close() {
      await withTimeout(ctx.close(), 30_000, 'closing chromium').catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves `mounts` ({'/dist/': dir, '/': dir}; longest prefix wins) on 127.0.0.1, no caching.
 * @param {Record<string, string>} mounts
 * @returns {Promise<{url: string, close(): Promise<void>}>}
 */
export async function serveStatic(mounts) {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const mount = table.find(([prefix]) => path.startsWith(prefix));
    const file = mount && resolve(mount[1], `.${sep}${path.slice(mount[0].length)}`);
    let ok = false;
    try {
      ok = !!file && file.startsWith(mount[1] + sep) && statSync(file).isFile();
    } catch {}
    if (!ok) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => { server.close(() => ok()); server.closeAllConnections(); }),
  };
}

/** Rejects after `ms` with a message naming `what`; the timer never keeps the process alive. */
export function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Runs the cleanups in order, each bounded, ignoring their failures. */
export async function cleanup(...fns) {
  for (const fn of fns) {
    if (!fn) continue;
    try {
      await withTimeout(Promise.resolve().then(fn), 30_000, 'cleanup');
    } catch {}
  }
}
