import type { SeededRandom } from './random';

/**
 * A fault for the emulator's `admin.injectFaults`, as the emulator's contract describes it.
 * `route` names an API route (`upload`, `list`, `tag`, `delete`).
 */
export interface FaultSpec {
  route: string;
  kind: 'status' | 'rate-limit' | 'latency' | 'reset-before-store' | 'reset-after-store';
  status?: number;
  retryAfter?: number;
  latencyMs?: number;
  times?: number;
  probability?: number;
}

/** Fault kinds as the soak counts them; listing lag is a setting, not an injected fault. */
export const FAULT_KINDS = ['status', 'rate-limit', 'reset-before-store', 'reset-after-store', 'latency', 'listing-lag'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The faults of one soak run and the listing lag to set for it. */
export interface RunFaults {
  faults: FaultSpec[];
  listingLagMs: number;
}

/**
 * Draws the faults of one run: each kind is present with some probability, on a route that
 * kind applies to, firing a few times. Resets apply to uploads only, because they test how the
 * sync settles an upload whose outcome it cannot know.
 */
export function drawRunFaults(random: SeededRandom): RunFaults {
  const faults: FaultSpec[] = [];

  if (random.chance(0.5)) {
    faults.push({
      route: random.pick(['upload', 'upload', 'list', 'tag', 'delete']),
      kind: 'status',
      status: random.pick([500, 502, 503, 504]),
      times: random.int(1, 2),
      probability: random.pick([0.5, 1]),
    });
  }
  if (random.chance(0.4)) {
    faults.push({
      route: random.pick(['upload', 'list', 'tag', 'delete']),
      kind: 'rate-limit',
      retryAfter: random.pick([0, 1]),
      times: 1,
      probability: random.pick([0.5, 1]),
    });
  }
  if (random.chance(0.35)) {
    faults.push({ route: 'upload', kind: 'reset-before-store', times: random.int(1, 2), probability: random.pick([0.5, 1]) });
  }
  if (random.chance(0.35)) {
    faults.push({ route: 'upload', kind: 'reset-after-store', times: random.int(1, 2), probability: random.pick([0.5, 1]) });
  }
  if (random.chance(0.4)) {
    faults.push({
      route: random.pick(['upload', 'list', 'tag']),
      kind: 'latency',
      latencyMs: random.int(20, 250),
      times: random.int(1, 3),
      probability: 1,
    });
  }

  const listingLagMs = random.chance(0.4) ? random.int(50, 600) : 0;
  return { faults, listingLagMs };
}
