/**
 * Live output of a sync on a terminal or in a CI log: a progress bar that redraws one line when
 * the stream is a TTY, plain lines otherwise.
 */
import type { SyncEvent, SyncLogger, SyncPhase } from '@raster-toolkit/core';
import { formatFileOutcome } from './present';

const PHASE_LABELS: Record<SyncPhase, string> = {
  scan: 'scanning',
  list: 'listing',
  plan: 'planning',
  upload: 'uploading',
  tag: 'tagging',
  reconcile: 'reconciling',
  prune: 'pruning',
  settle: 'waiting for listing',
};

const BAR_WIDTH = 24;

/** Shortest time between two redraws of the bar for progress events, in milliseconds. */
const REDRAW_INTERVAL_MS = 80;

export interface TerminalReporterOptions {
  /** Whether to redraw a progress bar; defaults to `stream.isTTY`. */
  tty?: boolean;
  /** Print a line for each unchanged file too. */
  verbose?: boolean;
  /** Clock in milliseconds that throttles redraws; `performance.now` by default. */
  now?: () => number;
}

/** Receives engine events and log lines and writes them to `stream`, usually stderr. */
export class TerminalReporter {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #verbose: boolean;
  readonly #now: () => number;
  #barVisible = false;
  #lastDrawAt = Number.NEGATIVE_INFINITY;
  /** The bar's last state, redrawn below each printed line; undefined once the run finished. */
  #progress: { phase: SyncPhase; done: number; total: number } | undefined;

  constructor(stream: NodeJS.WriteStream, options: TerminalReporterOptions = {}) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#verbose = options.verbose ?? false;
    this.#now = options.now ?? (() => performance.now());
  }

  readonly logger: SyncLogger = {
    debug: (message) => {
      if (this.#verbose) this.line(message);
    },
    info: (message) => this.line(message),
    warn: (message) => this.line(`warning: ${message}`),
  };

  onEvent = (event: SyncEvent): void => {
    switch (event.type) {
      case 'phase':
        if (this.#tty) this.#drawBar({ phase: event.phase, done: 0, total: 0 });
        else this.line(`== ${PHASE_LABELS[event.phase]}`);
        return;
      case 'progress': {
        if (!this.#tty) return;
        const progress = { phase: event.phase, done: event.done, total: event.total };
        // A large folder sends thousands of progress events; redrawing each would flood the terminal.
        if (event.done < event.total && this.#now() - this.#lastDrawAt < REDRAW_INTERVAL_MS) {
          this.#progress = progress;
          return;
        }
        this.#drawBar(progress);
        return;
      }
      case 'file':
        if (event.outcome.status !== 'unchanged' || this.#verbose) this.line(formatFileOutcome(event.outcome));
        return;
      case 'retry':
        // The engine also logs each retry through the logger, so only verbose output repeats it.
        if (this.#verbose) this.line(`retrying ${event.method} ${event.path} in ${event.delayMs} ms (attempt ${event.attempt}): ${event.reason}`);
        return;
    }
  };

  /** Writes one line above the progress bar, which is redrawn after it. */
  line(text: string): void {
    if (!this.#barVisible || this.#progress === undefined) {
      this.#stream.write(`${text}\n`);
      return;
    }
    this.#stream.write(`\r\x1b[2K${text}\n${this.#renderBar(this.#progress)}`);
  }

  /** Removes the progress bar before the caller prints the final result. */
  finish(): void {
    this.#clearBar();
    this.#progress = undefined;
  }

  #drawBar(progress: { phase: SyncPhase; done: number; total: number }): void {
    this.#progress = progress;
    this.#lastDrawAt = this.#now();
    this.#stream.write(`\r\x1b[2K${this.#renderBar(progress)}`);
    this.#barVisible = true;
  }

  #renderBar({ phase, done, total }: { phase: SyncPhase; done: number; total: number }): string {
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    const count = total > 0 ? ` ${done}/${total}` : '';
    return `${PHASE_LABELS[phase].padEnd(20)}[${bar}]${count}`;
  }

  #clearBar(): void {
    if (!this.#barVisible) return;
    this.#stream.write('\r\x1b[2K');
    this.#barVisible = false;
  }
}
