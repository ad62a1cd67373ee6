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
