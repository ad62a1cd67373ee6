/**
 * Live output of a sync on a terminal or in a CI log: a progress bar that redraws one line when
 * the stream is a TTY, plain lines otherwise.
 */
import type { SyncEvent, SyncLogger, SyncPhase } from '@raster-toolkit/core';
import { commandSafe, formatFileOutcome, formatPlan } from './present';

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

/**
 * Without a TTY, file lines wait about this long, in milliseconds, to be written together. A pipe
 * takes each write as a system call. One write per line of 1,000 uploaded files cost the CLI about
 * 40 ms of its main thread (medians of 6 runs against the emulator on 2 vCPUs).
 */
const FILE_LINES_DELAY_MS = 100;

/** Without a TTY, file lines waiting to be written are written once they reach this many characters. */
const FILE_LINES_MAX_CHARS = 16 * 1024;

/**
 * Reporters with file lines waiting, written when the process exits, such as on a second Ctrl-C.
 * One `exit` listener serves them all, so that many reporters in one process add one listener.
 * NOTE: a process killed by SIGKILL, or by a signal it does not handle such as SIGHUP, exits
 * without the event, and the lines of the last 100 ms are lost.
 */
const waitingReporters = new Set<TerminalReporter>();

function writeWaitingLines(): void {
  for (const reporter of [...waitingReporters]) reporter.flush();
}

export interface TerminalReporterOptions {
  /** Whether to redraw a progress bar; defaults to `stream.isTTY`. */
  tty?: boolean;
  /** Print a line for each unchanged file too. */
  verbose?: boolean;
  /** Clock in milliseconds that throttles redraws; `performance.now` by default. */
  now?: () => number;
  /** Stream for the plan, printed when the engine sends it; the progress stream by default. */
  planStream?: NodeJS.WritableStream;
  /** Whether the run is a dry run, whose plan is printed in the conditional tense. */
  dryRun?: boolean;
}

/** Receives engine events and log lines and writes them to `stream`, usually stderr. */
export class TerminalReporter {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #verbose: boolean;
  readonly #now: () => number;
  readonly #planStream: NodeJS.WritableStream;
  readonly #dryRun: boolean;
  /** Skipped files the plan listed, so their file events do not print them again. */
  readonly #plannedSkips = new Set<string>();
  #barVisible = false;
  #lastDrawAt = Number.NEGATIVE_INFINITY;
  /** The bar's last state, redrawn below each printed line; undefined once the run finished. */
  #progress: { phase: SyncPhase; done: number; total: number } | undefined;
  /** Without a TTY, file lines not written yet, and the timer that writes them. */
  #fileLines = '';
  #fileLinesTimer: NodeJS.Timeout | undefined;

  constructor(stream: NodeJS.WriteStream, options: TerminalReporterOptions = {}) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#verbose = options.verbose ?? false;
    this.#now = options.now ?? (() => performance.now());
    this.#planStream = options.planStream ?? stream;
    this.#dryRun = options.dryRun ?? false;
  }

  readonly logger: SyncLogger = {
    debug: (message) => {
      if (this.#verbose) this.line(message);
    },
    info: (message) => this.line(message),
    warn: (message) => this.line(`warning: ${message}`),
    error: (message) => this.line(`error: ${message}`),
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
      case 'plan':
        for (const file of event.plan.skipped) this.#plannedSkips.add(file.path);
        this.#print(this.#planStream, `${formatPlan(event.plan, { dryRun: this.#dryRun }).join('\n')}\n`);
        return;
      case 'file': {
        const { outcome } = event;
        if (outcome.status === 'unchanged' && !this.#verbose) return;
        if (outcome.status === 'skipped' && this.#plannedSkips.has(outcome.path)) return;
        if (this.#tty) this.line(formatFileOutcome(outcome));
        else this.#holdFileLine(`${formatFileOutcome(outcome)}\n`);
        return;
      }
      case 'retry':
        // The engine also logs each retry through the logger, so only verbose output repeats it.
        if (this.#verbose) this.line(`retrying ${event.method} ${event.path} in ${event.delayMs} ms (attempt ${event.attempt}): ${event.reason}`);
        return;
    }
  };

  /** Writes one line above the progress bar, which is redrawn after it. */
  line(text: string): void {
    this.#print(this.#stream, `${text}\n`);
  }

  /** Writes `text` to `target` above the progress bar, which is redrawn after it. */
  #print(target: NodeJS.WritableStream, text: string): void {
    text = commandSafe(text);
    this.flush();
    if (!this.#barVisible || this.#progress === undefined) {
      target.write(text);
      return;
    }
    if (target === this.#stream) {
      this.#stream.write(`\r\x1b[2K${text}${this.#renderBar(this.#progress)}`);
      return;
    }
    this.#stream.write('\r\x1b[2K');
    target.write(text);
    this.#stream.write(this.#renderBar(this.#progress));
  }

  /** Writes the waiting file lines now. */
  flush(): void {
    if (this.#fileLinesTimer === undefined) return;
    clearTimeout(this.#fileLinesTimer);
    this.#fileLinesTimer = undefined;
    waitingReporters.delete(this);
    if (waitingReporters.size === 0) process.off('exit', writeWaitingLines);
    const text = this.#fileLines;
    this.#fileLines = '';
    this.#stream.write(text);
  }

  /** Queues a file line, so that many files finishing close together cost one write. */
  #holdFileLine(text: string): void {
    this.#fileLines += commandSafe(text);
    if (this.#fileLinesTimer === undefined) {
      this.#fileLinesTimer = setTimeout(() => this.flush(), FILE_LINES_DELAY_MS).unref();
      if (waitingReporters.size === 0) process.on('exit', writeWaitingLines);
      waitingReporters.add(this);
    }
    if (this.#fileLines.length >= FILE_LINES_MAX_CHARS) this.flush();
  }

  /** Writes the waiting file lines and removes the progress bar before the caller prints the final result. */
  finish(): void {
    this.flush();
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
