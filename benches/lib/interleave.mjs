// Round-robin timing of several clients in one process: every round runs each client once,
// the starting client rotating so none always runs first (on a colder or warmer loop),
// after warm-up rounds that are not timed. Rounds are grouped in blocks; the ratios are
// taken per block (median / median), so a slow stretch of a shared machine shows as a
// spread of ratios rather than as a bias against whichever client it hit.
import { summarize } from './stats.mjs';

/**
 * clients: [{ id, run(email) }]. Returns { times: {id: ms[]}, summary: {id}, blockMedians: {id: []} }.
 * `between()` runs before each block, outside the timed region.
 */
export async function interleave({ clients, rounds, warmup, blocks, between, domain = 'flows.bench.example' }) {
  const n = clients.length;
  for (let i = 0; i < warmup; i++) {
    for (let k = 0; k < n; k++) {
      const c = clients[(i + k) % n];
      await c.run(`warm-${c.id}-${i}@${domain}`);
    }
  }
  const times = Object.fromEntries(clients.map((c) => [c.id, []]));
  const blockMedians = Object.fromEntries(clients.map((c) => [c.id, []]));
  const per = Math.ceil(rounds / blocks);
  for (let b = 0, i = 0; b < blocks && i < rounds; b++) {
    await between?.(b);
    const block = Object.fromEntries(clients.map((c) => [c.id, []]));
    for (let j = 0; j < per && i < rounds; j++, i++) {
      for (let k = 0; k < n; k++) {
        const c = clients[(i + k) % n];
        const t0 = performance.now();
        await c.run(`${c.id}-${i}@${domain}`);
        block[c.id].push(performance.now() - t0);
      }
    }
    for (const c of clients) {
      times[c.id].push(...block[c.id]);
      blockMedians[c.id].push(summarize(block[c.id]).median);
    }
  }
  const summary = Object.fromEntries(clients.map((c) => [c.id, summarize(times[c.id])]));
  return { times, summary, blockMedians, blocks: blockMedians[clients[0].id].length, perBlock: per };
}

/** a / b: the ratio of the medians of all flows, and min / median / max over the per-block ratios. */
export function ratio(result, a, b) {
  const all = result.summary[a].median / result.summary[b].median;
  const blocks = summarize(result.blockMedians[a].map((x, i) => x / result.blockMedians[b][i]));
  return { all, blocks };
}
