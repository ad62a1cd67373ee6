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

export interface TerminalReporterOptions {
  /** Whether to redraw a progress bar; defaults to `stream.isTTY`. */
  tty?: boolean;
  /** Print a line for each unchanged file too. */
  verbose?: boolean;
}

/** Receives engine events and log lines and writes them to `stream`, usually stderr. */
export class TerminalReporter {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #verbose: boolean;
  #barVisible = false;
  /** The bar's last state, redrawn below each printed line; undefined once the run finished. */
  #progress: { phase: SyncPhase; done: number; total: number } | undefined;

  constructor(stream: NodeJS.WriteStream, options: TerminalReporterOptions = {}) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#verbose = options.verbose ?? false;
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
      case 'progress':
        if (this.#tty) this.#drawBar({ phase: event.phase, done: event.done, total: event.total });
        return;
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
    const barWasVisible = this.#barVisible;
    this.#clearBar();
    this.#stream.write(`${text}\n`);
    if (barWasVisible && this.#progress !== undefined) this.#drawBar(this.#progress);
  }

  /** Removes the progress bar before the caller prints the final result. */
  finish(): void {
    this.#clearBar();
    this.#progress = undefined;
  }

  #drawBar(progress: { phase: SyncPhase; done: number; total: number }): void {
    this.#progress = progress;
    const { phase, done, total } = progress;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    const count = total > 0 ? ` ${done}/${total}` : '';
    this.#stream.write(`\r\x1b[2K${PHASE_LABELS[phase].padEnd(20)}[${bar}]${count}`);
    this.#barVisible = true;
  }

  #clearBar(): void {
    if (!this.#barVisible) return;
    this.#stream.write('\r\x1b[2K');
    this.#barVisible = false;
  }
}
