import type { ActiveFault, FaultSpec } from '@raster-toolkit/emulator';

import type { SeededRandom } from './random';

/** Fault kinds as the soak counts them; listing lag is a setting, not an injected fault. */
export const FAULT_KINDS = ['status', 'rate-limit', 'reset-before-store', 'reset-after-store', 'latency', 'listing-lag'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The faults of one soak run and the listing lag to set for it. */
export interface RunFaults {
  faults: FaultSpec[];
  listingLagMs: number;
  /** Time during which new assets have no thumbnails or dimensions yet. */
  processingDelayMs: number;
}

/**
 * Draws the faults of one run: each kind is present with some probability, on a route that
 * kind applies to, firing a few times. Resets fall mostly on uploads, whose outcome the sync
 * cannot know without looking, and sometimes on the tag and delete calls.
 */
export function drawRunFaults(random: SeededRandom): RunFaults {
  const faults: FaultSpec[] = [];

  if (random.chance(0.5)) {
    faults.push({
      route: random.pick(['upload', 'upload', 'list-assets', 'tag-assets', 'delete-assets', 'me'] as const),
      kind: 'status',
      status: random.pick([500, 502, 503, 504]),
      times: random.int(1, 4),
      probability: random.pick([0.5, 1]),
    });
  }
  if (random.chance(0.4)) {
    // Retry-After in seconds, or as an HTTP date one second ahead.
    const retryAfter = random.chance(0.7) ? random.pick([0, 1]) : new Date(Date.now() + 1000).toUTCString();
    faults.push({
      route: random.pick(['upload', 'list-assets', 'tag-assets', 'delete-assets', 'me'] as const),
      kind: 'rate-limit',
      retryAfter,
      times: 1,
      probability: random.pick([0.5, 1]),
    });
  }
  if (random.chance(0.35)) {
    const route = random.pick(['upload', 'upload', 'upload', 'tag-assets', 'delete-assets'] as const);
    faults.push({ route, kind: 'reset-before-store', times: random.int(1, 3), probability: random.pick([0.5, 1]) });
  }
  if (random.chance(0.35)) {
    const route = random.pick(['upload', 'upload', 'upload', 'tag-assets', 'delete-assets'] as const);
    faults.push({ route, kind: 'reset-after-store', times: random.int(1, 3), probability: random.pick([0.5, 1]) });
  }
  if (random.chance(0.4)) {
    faults.push({
      route: random.pick(['upload', 'list-assets', 'tag-assets'] as const),
      kind: 'latency',
      latencyMs: random.int(20, 250),
      times: random.int(1, 3),
      probability: 1,
    });
  }

  const listingLagMs = random.chance(0.4) ? random.int(50, 600) : 0;
  const processingDelayMs = random.chance(0.5) ? random.int(50, 1000) : 0;
  return { faults, listingLagMs, processingDelayMs };
}

/**
 * Counts the faults that fired, by kind: each injected fault's `times` minus what the emulator
 * still lists as remaining (a fault used up is no longer listed). Every fault must set `times`.
 */
export function countFiredFaults(injected: readonly FaultSpec[], stillActive: readonly ActiveFault[]): Partial<Record<FaultKind, number>> {
  const fired: Partial<Record<FaultKind, number>> = {};
  for (const fault of injected) fired[fault.kind] = (fired[fault.kind] ?? 0) + (fault.times ?? 0);
  for (const fault of stillActive) fired[fault.kind] = (fired[fault.kind] ?? 0) - fault.remaining;
  return fired;
}
