import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulatorProcess } from './harness/emulator-process';
import type { EmulatorProcess } from './harness/emulator-process';
import { buildFuzzRequest } from './harness/fuzz-requests';
import { exchangeRaw } from './harness/raw-http';
import { SeededRandom } from './harness/random';

/** Cases per run; RELIABILITY_FUZZ_CASES raises it for a longer local run. */
const CASES = Number(process.env['RELIABILITY_FUZZ_CASES'] ?? 3000);
const SEED = Number(process.env['RELIABILITY_FUZZ_SEED'] ?? 7);
/** Requests on the wire at once, so that slow-client cases overlap with the rest. */
const PARALLEL = 8;
/**
 * Peak RSS allowed for the emulator process, in bytes. Measured on Node 24: about 62 MiB idle,
 * rising while V8 grows its heap and levelling off near 165 MiB after 15,000 cases (30,000-case
 * run, seed 11), so this bound catches a leak without failing on heap growth.
 */
const MAX_RSS = 256 * 1024 * 1024;

let emulator: EmulatorProcess;

beforeAll(async () => {
  emulator = await startEmulatorProcess();
});

afterAll(async () => {
  await emulator?.stop();
});

/**
 * Returns why the first response is not a JSON error envelope, or undefined when it is one (or
 * is a success, or has no JSON body to check).
 */
function envelopeProblem(response: Buffer, status: number | undefined): string | undefined {
  if (status === undefined || status < 400) return undefined;
  const text = response.toString('utf8');
  const headerEnd = text.indexOf('\r\n\r\n');
  const head = text.slice(0, headerEnd).toLowerCase();
  if (headerEnd < 0 || !head.includes('content-type: application/json') || head.includes('transfer-encoding: chunked')) return undefined;
  const length = /content-length: (\d+)/.exec(head);
  const body = text.slice(headerEnd + 4, length === null ? undefined : headerEnd + 4 + Number(length[1]));
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string') return undefined;
    return `no error envelope: ${body.slice(0, 200)}`;
  } catch {
    return `body is not JSON: ${body.slice(0, 200)}`;
  }
}

async function healthCheck(): Promise<number[]> {
  const request = Buffer.from(
    `GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nApi-Version: 2026-05-20\r\nAuthorization: Bearer ${emulator.info.writeKey}\r\nConnection: close\r\n\r\n`,
  );
  return (await exchangeRaw(emulator.host, emulator.port, request, 5_000)).statuses;
}

describe('emulator under malformed requests', () => {
  it('answers thousands of fuzz cases without a 500', async () => {
    const random = new SeededRandom(SEED);
    const failures: string[] = [];
    const statusCounts = new Map<number | string, number>();
    let timeouts = 0;

    expect(await healthCheck()).toEqual([200]);
    const rssBefore = await emulator.rssBytes();
    let rssPeak = rssBefore;
    const rssSeries: number[] = [];

    const cases = Array.from({ length: CASES }, (_, index) => ({ index, request: buildFuzzRequest(random, emulator.info) }));
    for (let start = 0; start < cases.length; start += PARALLEL) {
      const slice = cases.slice(start, start + PARALLEL);
      const exchanges = await Promise.all(slice.map(({ request }) => exchangeRaw(emulator.host, emulator.port, request.bytes, 2_000)));

      for (const [offset, exchange] of exchanges.entries()) {
        const { index, request } = slice[offset]!;
        if (exchange.timedOut) timeouts += 1;
        const first = exchange.statuses[0] ?? exchange.error ?? (exchange.timedOut ? 'timeout' : 'closed');
        statusCounts.set(first, (statusCounts.get(first) ?? 0) + 1);
        // A response to HEAD has headers only, by HTTP's rules.
        const problem = request.label.startsWith('HEAD ') ? undefined : envelopeProblem(exchange.response, exchange.statuses[0]);
        if (problem !== undefined) failures.push(`case ${index} (${request.label}): ${problem}`);
        if (exchange.statuses.some((status) => status >= 500)) {
          failures.push(`case ${index} (${request.label}): statuses ${exchange.statuses.join(', ')}: ${exchange.response.toString('utf8').slice(0, 300)}`);
        }
      }

      if (emulator.exited() !== undefined) break;
      if ((start / PARALLEL) % 125 === 0) {
        const rss = await emulator.rssBytes();
        rssSeries.push(Math.round(rss / 2 ** 20));
        rssPeak = Math.max(rssPeak, rss);
      }
    }

    const exitedDuring = emulator.exited();
    const health = exitedDuring === undefined ? await healthCheck() : [];
    const rssAfter = exitedDuring === undefined ? await emulator.rssBytes() : 0;
    rssPeak = Math.max(rssPeak, rssAfter);
    const summary = [...statusCounts].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([status, count]) => `${status}: ${count}`);
    console.log(
      `emulator fuzz: ${CASES} cases, seed ${SEED}; first status per case: ${summary.join(', ')}; ${timeouts} without a response in 2 s; ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssPeak / 2 ** 20).toFixed(1)} MiB peak, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after; every 1000 cases: ${rssSeries.join(', ')} MiB`,
    );

    expect(exitedDuring, `the emulator exited; stderr: ${emulator.stderr().slice(-2000)}`).toBeUndefined();
    expect(failures.slice(0, 20)).toEqual([]);
    expect(health).toEqual([200]);
    expect(rssPeak).toBeLessThan(MAX_RSS);
  });
});
