/** Turns SIGINT and SIGTERM into an abort, so the engine can finish and tag the batches in flight. */

export interface SignalHandlers {
  /** Called on the first signal, after the controller was aborted. */
  onStop: (signal: NodeJS.Signals) => void;
  /** Called on each later signal while the run is still stopping. */
  onRepeat: (signal: NodeJS.Signals) => void;
}

/**
 * Aborts `controller` on the first SIGINT or SIGTERM and returns a function that removes the
 * listeners. When a workflow is cancelled, the runner sends SIGINT, then SIGTERM after 7.5 s, then
 * kills the process 2.5 s later (GitHub's "Workflow cancellation reference"). So a later signal
 * must not end the process before the engine has tagged what it uploaded.
 */
export function abortOnSignals(controller: AbortController, handlers: SignalHandlers): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      handlers.onRepeat(signal);
      return;
    }
    controller.abort(new Error(`Stopped by ${signal}`));
    handlers.onStop(signal);
  };

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * Aborts `controller` on the first signal and prints for a person at a terminal what happens next; a
 * second signal quits at once with `exitCode`. The CLI and `npm start` share it.
 */
export function abortOnTerminalSignals(
  controller: AbortController,
  print: (line: string) => void,
  exitCode: number,
): () => void {
  return abortOnSignals(controller, {
    onStop: (signal) =>
      print(`Received ${signal}: stopping. No new upload starts, uploads in flight finish and are tagged, and nothing is pruned. Press Ctrl-C again to quit at once.`),
    onRepeat: (signal) => {
      print(
        `Received ${signal} again: quitting now. Uploads in flight may be left untagged. The next run of this sync on this machine ` +
          'adopts them through its local upload journal; a run on another machine uploads those files again.',
      );
      process.exit(exitCode);
    },
  });
}
