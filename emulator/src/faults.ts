import type { RouteName } from './context';
import { createSeededRandom } from './random';

/**
 * Kinds of injected fault. `status` sends an error status (500 by default) and `rate-limit` sends
 * 429 with `Retry-After`. `latency` delays the request, which is then handled normally.
 * `reset-before-store` reads the whole request and resets the connection without handling it.
 * `reset-after-store` handles the request, so an upload is stored, and then resets the connection
 * instead of sending the response.
 */
export type FaultKind = 'status' | 'rate-limit' | 'latency' | 'reset-before-store' | 'reset-after-store';

export const FAULT_KINDS: readonly FaultKind[] = ['status', 'rate-limit', 'latency', 'reset-before-store', 'reset-after-store'];

export interface FaultSpec {
  /** Route the fault applies to; `*` or omitted means every Raster route. */
  route?: RouteName | '*';
  kind: FaultKind;
  /** Status of a `status` fault: 500 unless given. */
  status?: number;
  /**
   * Error `code` of a `status` fault. Unless given: `TOO_MANY_REQUESTS` for 429,
   * `INTERNAL_SERVER_ERROR` for 5xx and `BAD_USER_INPUT` for other 4xx statuses.
   */
  code?: string;
  /** `Retry-After` of a `rate-limit` fault: seconds or an HTTP date; 1 unless given. */
  retryAfter?: number | string;
  /** Delay of a `latency` fault in milliseconds. */
  latencyMs?: number;
  /** How many requests the fault applies to before it is removed; unlimited unless given. */
  times?: number;
  /** Chance from 0 to 1 that a matching request gets the fault; 1 unless given. */
  probability?: number;
}

export interface ActiveFault extends FaultSpec {
  /** Requests left before the fault is removed; Infinity when unlimited. */
  remaining: number;
}

function checkFault(spec: FaultSpec, routeNames: readonly string[]): ActiveFault {
  if (spec.route !== undefined && spec.route !== '*' && !routeNames.includes(spec.route)) {
    throw new TypeError(`Invalid fault route ${JSON.stringify(spec.route)}; expected "*" or one of ${routeNames.join(', ')}.`);
  }
  if (!FAULT_KINDS.includes(spec.kind)) {
    throw new TypeError(`Invalid fault kind ${JSON.stringify(spec.kind)}; expected one of ${FAULT_KINDS.join(', ')}.`);
  }
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)) {
    throw new TypeError(`Invalid fault status ${String(spec.status)}; expected an integer from 400 to 599.`);
  }
  if (spec.latencyMs !== undefined && (!Number.isFinite(spec.latencyMs) || spec.latencyMs < 0)) {
    throw new TypeError(`Invalid fault latencyMs ${String(spec.latencyMs)}; expected a non-negative number.`);
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) {
    throw new TypeError(`Invalid fault times ${String(spec.times)}; expected a positive integer.`);
  }
  if (spec.probability !== undefined && (!(spec.probability >= 0) || spec.probability > 1)) {
    throw new TypeError(`Invalid fault probability ${String(spec.probability)}; expected a number from 0 to 1.`);
  }
  if (spec.code !== undefined && (typeof spec.code !== 'string' || spec.code.length === 0)) {
    throw new TypeError('Invalid fault code; expected a non-empty string such as "INTERNAL_SERVER_ERROR".');
  }
  if (spec.retryAfter !== undefined && typeof spec.retryAfter !== 'number' && typeof spec.retryAfter !== 'string') {
    throw new TypeError('Invalid fault retryAfter; expected seconds as a number or an HTTP date string.');
  }
  return { ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY };
}

/** Holds injected faults and decides, with a seedable random source, which ones a request gets. */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private random: () => number;
  private readonly routeNames: readonly string[];

  /** `routeNames` are the names a fault may target besides `*`. */
  constructor(seed: number, routeNames: readonly string[]) {
    this.random = createSeededRandom(seed);
    this.routeNames = routeNames;
  }

  setSeed(seed: number): void {
    this.random = createSeededRandom(seed);
  }

  /** Adds faults after checking all of them, so an invalid one adds none. */
  inject(specs: FaultSpec[]): void {
    const checked = specs.map((spec) => checkFault(spec, this.routeNames));
    this.faults.push(...checked);
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /**
   * Returns the faults a request to `route` gets: every matching latency fault that fires, and
   * the first other fault that fires. Each returned fault uses up one of its `times`.
   */
  take(route: RouteName): ActiveFault[] {
    const fired: ActiveFault[] = [];
    let terminal = false;
    for (const fault of this.faults) {
      const matches = fault.route === undefined || fault.route === '*' || fault.route === route;
      if (!matches || (terminal && fault.kind !== 'latency')) {
        continue;
      }
      if (fault.probability !== undefined && this.random() >= fault.probability) {
        continue;
      }
      fault.remaining -= 1;
      fired.push(fault);
      terminal ||= fault.kind !== 'latency';
    }
    this.faults = this.faults.filter((fault) => fault.remaining > 0);
    return fired;
  }
}

/** Request counts over the Raster routes, total and by route; unknown paths count as `unknown`. */
export class RequestStats {
  private total = 0;
  private byRoute: Record<string, number> = {};

  count(route: RouteName | 'unknown'): void {
    this.total += 1;
    this.byRoute[route] = (this.byRoute[route] ?? 0) + 1;
  }

  snapshot(): { requests: number; byRoute: Record<string, number> } {
    return { requests: this.total, byRoute: { ...this.byRoute } };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
  }
}
