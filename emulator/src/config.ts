/** Settings that `configure` can change while the emulator runs. */
export interface EmulatorConfig {
  /** Time in milliseconds after upload during which an asset's processing fields stay null. */
  processingDelayMs: number;
  /** Time in milliseconds after upload during which an asset stays out of lists and search. */
  listingLagMs: number;
  /** Per-file upload limit in bytes. */
  maxFileSize: number;
}

/** Checks a configuration change and returns the fields it sets; throws a TypeError on invalid values. */
export function validateConfigChange(change: Partial<EmulatorConfig>): Partial<EmulatorConfig> {
  const fields = ['processingDelayMs', 'listingLagMs', 'maxFileSize'] as const;
  // A misspelt setting would otherwise change nothing and still return 200.
  const unknown = Object.keys(change).filter((key) => !(fields as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new TypeError(`Unknown setting ${JSON.stringify(unknown[0])}; expected one of ${fields.join(', ')}.`);
  }
  const result: Partial<EmulatorConfig> = {};
  for (const field of fields) {
    const value: unknown = change[field];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`Invalid ${field}: ${String(value)}; expected a non-negative integer.`);
    }
    result[field] = value;
  }
  return result;
}
