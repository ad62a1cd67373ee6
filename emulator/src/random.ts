import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Returns `length` random alphanumeric characters from the system's secure random source. */
export function randomAlphanumeric(length: number): string {
  // 248 is the largest multiple of 62 below 256, so rejecting larger bytes keeps the draw uniform.
  let result = '';
  while (result.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && result.length < length) {
        result += ALPHANUMERIC[byte % 62];
      }
    }
  }
  return result;
}

export function generateApiKey(): string {
  return `pk_${randomAlphanumeric(32)}`;
}

export function generateAssetId(): string {
  return randomAlphanumeric(20);
}

/**
 * Creates a seeded pseudo-random generator (mulberry32) returning numbers in [0, 1), so that
 * fault probabilities give the same sequence for the same seed.
 */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
