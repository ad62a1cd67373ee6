/** The step outputs of an action run, as declared in action.yml. */
import type { SyncReport } from '@raster-toolkit/core';
import { assetMap } from './present';

/**
 * GitHub accepts at most 1 MB of outputs per job, measured in UTF-16 ("Defining outputs for
 * jobs" in GitHub's documentation). A JSON output larger than this share is left empty with a
 * warning instead of failing the job. The report file always contains the full data.
 */
export const MAX_JSON_OUTPUT_BYTES = 400_000;

export interface StepOutputs {
  outputs: Record<string, string>;
  /** Messages that explain each output left empty. */
  warnings: string[];
}

/** Returns the outputs of a run: counts, `assets`, `report`, and `plan` in a dry run. */
export function stepOutputs(report: SyncReport, reportPath: string): StepOutputs {
  const warnings: string[] = [];
  const outputs: Record<string, string> = {
    uploaded: String(report.counts.uploaded),
    unchanged: String(report.counts.unchanged),
    pruned: String(report.counts.pruned),
    skipped: String(report.counts.skipped),
    cancelled: String(report.counts.cancelled ?? 0),
    failed: String(report.counts.failed),
    report: reportPath,
  };

  const json = (name: string, value: unknown, empty: string) => {
    const text = JSON.stringify(value);
    if (text.length * 2 <= MAX_JSON_OUTPUT_BYTES) return text;
    const instead = reportPath === '' ? 'The report file, which would hold it, could not be written either.' : `Read it from the report file: ${reportPath}.`;
    warnings.push(
      `The ${name} output would take ${text.length * 2} bytes, more than the ${MAX_JSON_OUTPUT_BYTES} this action allows ` +
        `within GitHub's 1 MB limit for a job's outputs, so it is ${empty === '' ? 'empty' : empty}. ${instead}`,
    );
    return empty;
  };

  outputs['assets'] = json('assets', assetMap(report), '{}');
  if (report.dryRun) outputs['plan'] = json('plan', report.plan, '');
  return { outputs, warnings };
}
