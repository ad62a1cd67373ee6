import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SyncReport } from '@raster-toolkit/core';
import { renderJobSummary } from '../../action/src/job-summary';
import {
  ExitCode,
  MAX_PATH_COLUMN_WIDTH,
  assetMap,
  commandSafe,
  displayPath,
  displayWidth,
  exitCodeFor,
  formatAssetUrls,
  formatJsonReport,
  formatPlan,
  formatReport,
  formatResult,
  keptStaleNotice,
  outcomeHeadline,
} from '../../action/src/present';
import { MAX_JSON_OUTPUT_BYTES, stepOutputs } from '../../action/src/step-outputs';
import { TerminalReporter } from '../../action/src/terminal';

function report(overrides: Partial<SyncReport> = {}): SyncReport {
  return {
    syncId: 'octo/site:images',
    ownerTag: 'raster-sync:0123456789abcdef',
    organization: 'octo',
    library: 'site',
    dryRun: false,
    outcome: 'success',
    plan: {
      upload: [{ path: 'b.png', size: 2048, fingerprint: 'f1' }],
      unchanged: [{ path: 'a.png', assetId: 'A1', url: 'https://cdn/a.png' }],
      prune: [{ assetId: 'OLD', name: 'old', path: null, url: null }],
      skipped: [{ path: 'notes.md', reason: 'Raster does not accept this type of file.' }],
      foreignCount: 3,
    },
    files: [
      { path: 'a.png', status: 'unchanged', assetId: 'A1', url: 'https://cdn/a.png' },
      { path: 'b.png', status: 'uploaded', assetId: 'B1', url: 'https://cdn/b.png', thumbUrl: 'https://cdn/b-thumb.png' },
      { path: 'old', status: 'pruned', assetId: 'OLD' },
      { path: 'notes.md', status: 'skipped', reason: 'Raster does not accept this type of file.' },
    ],
    counts: { uploaded: 1, unchanged: 1, pruned: 1, skipped: 1, cancelled: 0, failed: 0, foreign: 3 },
    requests: 7,
    durationMs: 1234,
    ...overrides,
  };
}

describe('present', () => {
  it('maps outcomes to exit codes', () => {
    expect(exitCodeFor('success')).toBe(ExitCode.success);
    expect(exitCodeFor('partial')).toBe(1);
    expect(exitCodeFor('failed')).toBe(1);
    expect(exitCodeFor('guard')).toBe(3);
  });

  it('maps uploaded and unchanged paths to assets', () => {
    expect(assetMap(report())).toEqual({
      'a.png': { id: 'A1', url: 'https://cdn/a.png' },
      'b.png': { id: 'B1', url: 'https://cdn/b.png' },
    });
  });

  it('keeps a file named __proto__', () => {
    const files = [{ path: '__proto__', status: 'uploaded' as const, assetId: 'P1', url: 'https://cdn/p.png' }];

    const assets = assetMap(report({ files }));

    expect(Object.keys(assets)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(assets))).toEqual(JSON.parse('{"__proto__":{"id":"P1","url":"https://cdn/p.png"}}'));
  });

  it('prints asset lines in path order', () => {
    const files = ['__proto__', '9', '10', 'b.png'].map((path, index) => ({ path, status: 'uploaded' as const, assetId: `A${index}`, url: `https://cdn/${index}` }));

    const lines = formatAssetUrls(report({ files }));

    expect(lines.map((line) => line.trim().split(/\s+/)[0])).toEqual(['10', '9', '__proto__', 'b.png']);
  });

  it('indents the JSON report only for a terminal', () => {
    const piped = formatJsonReport(report(), { terminal: false });
    const terminal = formatJsonReport(report(), { terminal: true });

    expect(piped.split('\n')).toEqual([JSON.stringify(report()), '']);
    expect(terminal).toBe(`${JSON.stringify(report(), null, 2)}\n`);
    expect(JSON.parse(terminal)).toEqual(JSON.parse(piped));
  });

  it('lists uploads, prunes and skipped files in the plan', () => {
    const lines = formatPlan(report().plan, { dryRun: true });
    expect(lines[0]).toBe('Plan (dry run, nothing will be written):');
    expect(lines).toContain('  + b.png (2.0 KiB) would be uploaded');
    expect(lines).toContain('  - old (asset OLD) would be moved to the trash');
    expect(lines).toContain('  ! notes.md would be skipped: Raster does not accept this type of file.');
  });

  it('writes the plan in the future tense', () => {
    const lines = formatPlan(report().plan, { dryRun: false });
    expect(lines[0]).toBe('Plan:');
    expect(lines).toContain('  + b.png (2.0 KiB) will be uploaded');
    expect(lines).toContain('  - old (asset OLD) will be moved to the trash');
  });

  it('tells names equal in NFC apart in the plan', () => {
    const reason = 'Its name equals another after Unicode NFC normalisation; rename one of them.';
    const skipped = [
      { path: '##[caf\u00e9.png', reason, rawPath: '##[cafe\u0301.png' },
      { path: '##[caf\u00e9.png', reason },
    ];
    const lines = formatPlan({ ...report().plan, skipped }, { dryRun: false });

    expect(lines).toContain(`  ! "##\\u005bcafe\\u0301.png" will be skipped: ${reason}`);
    expect(lines).toContain(`  ! "##\\u005bcaf\\u00e9.png" will be skipped: ${reason}`);
  });

  it('counts stale assets kept when prune is off', () => {
    const plan = { ...report().plan, prune: [], stale: [{ assetId: 'OLD', name: 'old', path: null, url: null }] };
    expect(formatPlan(plan, { dryRun: false })[1]).toBe('  1 to upload, 1 unchanged, 0 to prune, 1 stale kept because prune is off, 1 skipped, 3 foreign (never touched)');
  });

  it('names failed files in the headline', () => {
    const failed = report({
      outcome: 'partial',
      stopReason: '1 file failed, so nothing was pruned',
      files: [{ path: 'big.webp', status: 'failed', reason: '413' }],
    });
    expect(outcomeHeadline(failed)).toBe('Sync into octo/site finished partially. 1 file failed, so nothing was pruned. Failed: big.webp.');
  });

  it('words a guard stop as a guard stop', () => {
    const guarded = report({ outcome: 'guard', stopReason: 'The folder has no files to sync' });
    expect(outcomeHeadline(guarded)).toBe('Stopped by a guard, nothing was written to octo/site: The folder has no files to sync.');
    expect(outcomeHeadline(guarded, { withReason: false })).toBe('Sync into octo/site was stopped by a guard; nothing was written.');
  });

  it('claims nothing unknown after an early stop', () => {
    const stopped = report({
      organization: '',
      outcome: 'guard',
      plan: { upload: [], unchanged: [], prune: [], skipped: [], foreignCount: 0 },
      files: [],
      counts: { uploaded: 0, unchanged: 0, pruned: 0, skipped: 0, cancelled: 0, failed: 0 },
      requests: 0,
    });

    const lines = formatResult(stopped, { withReason: false });
    const html = renderJobSummary(stopped);

    expect(lines[0]).toBe('Sync into site (organization of the API key) was stopped by a guard; nothing was written.');
    expect(lines[1]).toBe('  0 uploaded, 0 unchanged, 0 pruned, 0 skipped, 0 cancelled, 0 failed');
    expect(html).toContain('<h2>Raster sync: site (organization of the API key)</h2>');
    expect(html).toContain('<td>0</td><td>not listed</td><td>0</td>');
  });

  it('counts cancelled files and uses the singular for one', () => {
    const stopped = report({ requests: 1, counts: { uploaded: 1, unchanged: 0, pruned: 0, skipped: 0, cancelled: 4, failed: 0, foreign: 0 } });
    const lines = formatResult(stopped);
    expect(lines[1]).toBe('  1 uploaded, 0 unchanged, 0 pruned, 0 skipped, 4 cancelled, 0 failed, 0 foreign');
    expect(lines).toContain('  1 API request in 1.2 s');
  });
});

describe('displayPath', () => {
  it('prints ordinary names as they are', () => {
    for (const name of ['a.png', 'café-menu.png', 'emoji-🎨.svg', 'スクリーンショット.png', '100%.png', 'back%5Cslash.png']) {
      expect(displayPath(name)).toBe(name);
    }
  });

  it('quotes control characters and undecodable bytes alike', () => {
    expect(displayPath('new\nline.png')).toBe('"new\\nline.png"');
    expect(displayPath('tab\t.png')).toBe('"tab\\t.png"');
    expect(displayPath('bad\uFFFD\uFFFD.png')).toBe('"bad\\ufffd\\ufffd.png"');
    expect(displayPath('lone\uD800.png')).toBe('"lone\\ud800.png"');
  });

  it('quotes names that read as workflow commands', () => {
    expect(displayPath('::error title=x::y.png')).toBe('"::error title=x::y.png"');
    expect(displayPath('  ::warning::y.png')).toBe('"  ::warning::y.png"');
    expect(displayPath('a##[error]b.png')).toBe('"a##\\u005berror]b.png"');
    expect(displayPath('a::b.png')).toBe('a::b.png');
    expect(displayPath('#[x].png')).toBe('#[x].png');
  });

  it('keeps escaped and literal names apart', () => {
    expect(displayPath('back\\slash.png')).toBe('"back\\\\slash.png"');
    expect(displayPath('"quoted".png')).toBe('"\\"quoted\\".png"');
    expect(displayPath('back%5Cslash.png')).not.toBe(displayPath('back\\slash.png'));
  });
});

describe('keptStaleNotice', () => {
  const reportKeepingStale = (): SyncReport => {
    const base = report();
    return { ...base, plan: { ...base.plan, prune: [], stale: base.plan.prune, staleKeptBecause: 'unreadable', unreadableCount: 2 } };
  };

  it('explains stale assets kept after a read failure', () => {
    const notice = '1 stale asset was kept instead of trashed, because 2 files or folders could not be read: ' +
      'an asset that looks stale may belong to what could not be read. Fix the permissions or exclude what could not be read, then run again.';

    expect(keptStaleNotice(reportKeepingStale())).toBe(notice);
    expect(renderJobSummary(reportKeepingStale())).toContain(`<p>${notice}</p>`);
    expect(formatPlan(reportKeepingStale().plan, { dryRun: false })[1]).toContain('0 to prune, 1 stale kept because 2 files or folders could not be read,');
  });

  it('says nothing when prune is off or nothing is kept', () => {
    const base = report();
    expect(keptStaleNotice(base)).toBeNull();
    expect(keptStaleNotice({ ...base, plan: { ...base.plan, prune: [], stale: base.plan.prune, staleKeptBecause: 'prune-off' } })).toBeNull();
  });
});

describe('renderJobSummary', () => {
  it('keeps line breaks of messages inside the HTML', () => {
    const injected = 'BAD\n\n# Injected heading\n\n[click me](https://example.invalid/x)\n\n';
    const base = report();
    const summary = renderJobSummary({
      ...base,
      outcome: 'failed',
      stopReason: `The upload failed: ${injected}`,
      files: [...base.files, { path: 'c.png', status: 'failed', reason: `The upload failed: ${injected}` }],
      counts: { ...base.counts, failed: 1 },
    });

    expect(summary).not.toMatch(/\n\s*\n# Injected/);
    expect(summary.split('\n').filter((line) => line.startsWith('# ') || line.startsWith('[click'))).toEqual([]);
    expect(summary).toContain('BAD&#10;&#10;# Injected heading');
  });
});

describe('commandSafe', () => {
  it('escapes workflow commands in log text', () => {
    expect(commandSafe('uploaded  a##[error]b.png')).toBe('uploaded  a##\\u005berror]b.png');
    expect(commandSafe('failed: first\n  ::set-output name=x::y')).toBe('failed: first\n  \\u003a:set-output name=x::y');
    expect(commandSafe('::group::title')).toBe('\\u003a:group::title');
    expect(commandSafe('BAD\n\u0085::error::x')).toBe('BAD\n\u0085\\u003a:error::x');
  });

  it('keeps other text as it is', () => {
    expect(commandSafe('skipped   a::b.png: 10:30 a.m.')).toBe('skipped   a::b.png: 10:30 a.m.');
  });
});

describe('formatAssetUrls', () => {
  it('aligns columns after wide characters', () => {
    const wide = report({
      files: [
        { path: 'a.png', status: 'unchanged', assetId: 'A1', url: 'https://cdn/a.png' },
        { path: 'スクリーン.png', status: 'uploaded', assetId: 'B1', url: 'https://cdn/b.png' },
      ],
    });
    const lines = formatAssetUrls(wide);
    expect(displayWidth('スクリーン.png')).toBe(14);
    expect(lines).toEqual(['  a.png           https://cdn/a.png', '  スクリーン.png  https://cdn/b.png']);
  });

  it('pads paths to at most the maximum width', () => {
    const longName = `${'x'.repeat(240)}.png`;
    const atMaximum = `${'y'.repeat(MAX_PATH_COLUMN_WIDTH - 4)}.png`;
    const files = [longName, 'a.png', atMaximum].map((path, index) => ({ path, status: 'uploaded' as const, assetId: `A${index}`, url: `https://cdn/${index}` }));

    const lines = formatAssetUrls(report({ files }));

    expect(lines).toEqual([
      `  ${'a.png'.padEnd(MAX_PATH_COLUMN_WIDTH)}  https://cdn/1`,
      `  ${longName}  https://cdn/0`,
      `  ${atMaximum}  https://cdn/2`,
    ]);
    expect(lines[0]).toHaveLength(2 + MAX_PATH_COLUMN_WIDTH + 2 + 'https://cdn/1'.length);
  });

  it('lists and reports 200,000 files', () => {
    // Spreading a list this long into a call overflows the stack.
    const files = Array.from({ length: 200_000 }, (_, index) => ({
      path: `shots/${String(index).padStart(6, '0')}.png`,
      status: 'unchanged' as const,
      assetId: `A${index}`,
      url: `https://cdn/${index}.png`,
    }));

    const lines = formatAssetUrls(report({ files }));
    const printed = formatReport(report({ files }));

    expect(lines).toHaveLength(200_000);
    expect(lines[199_999]).toBe('  shots/199999.png  https://cdn/199999.png');
    expect(printed.at(-1)).toBe(lines[199_999]);
  });
});

describe('stepOutputs', () => {
  it('sets counts, assets and the report path', () => {
    const { outputs, warnings } = stepOutputs(report(), '/tmp/report.json');

    expect(outputs).toEqual({
      uploaded: '1',
      unchanged: '1',
      pruned: '1',
      skipped: '1',
      cancelled: '0',
      failed: '0',
      report: '/tmp/report.json',
      assets: JSON.stringify({ 'a.png': { id: 'A1', url: 'https://cdn/a.png' }, 'b.png': { id: 'B1', url: 'https://cdn/b.png' } }),
    });
    expect(warnings).toEqual([]);
  });

  it('leaves an oversized assets output empty', () => {
    const files = Array.from({ length: 3000 }, (_, i) => ({
      path: `photos/${String(i).padStart(5, '0')}-a-long-file-name-for-the-test.png`,
      status: 'unchanged' as const,
      assetId: `ASSET${i}`,
      url: `https://cdn.example/files/ASSET${i}.png`,
    }));
    expect(JSON.stringify(files).length * 2).toBeGreaterThan(MAX_JSON_OUTPUT_BYTES);

    const { outputs, warnings } = stepOutputs(report({ files, dryRun: true }), '/tmp/report.json');

    expect(outputs['assets']).toBe('{}');
    expect(outputs['plan']).not.toBe('');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('/tmp/report.json');
  });

  it('says when no report file holds a dropped output', () => {
    const base = report();
    const skipped = Array.from({ length: 4000 }, (_, i) => ({ path: `notes/${String(i).padStart(5, '0')}-a-long-name-for-the-test.md`, reason: 'Raster does not accept this type of file.' }));

    const { outputs, warnings } = stepOutputs(report({ dryRun: true, plan: { ...base.plan, skipped } }), '');

    expect(outputs['plan']).toBe('');
    expect(outputs['report']).toBe('');
    expect(warnings).toEqual([
      expect.stringMatching(/^The plan output would take \d+ bytes, .* so it is empty\. The report file, which would hold it, could not be written either\.$/),
    ]);
  });
});

describe('renderJobSummary', () => {
  it('shows counts, thumbnails and escaped names', () => {
    const html = renderJobSummary(
      report({
        files: [
          { path: 'x<y>&"z".png', status: 'uploaded', assetId: 'B1', url: 'https://cdn/b.png', thumbUrl: 'https://cdn/b-thumb.png' },
          { path: 'gone.png', status: 'failed', reason: 'The upload failed: <413>' },
        ],
      }),
    );

    expect(html).toContain('<td>1</td><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td><td>3</td><td>7</td>');
    expect(html).toContain('<code>&quot;x&lt;y&gt;&amp;\\&quot;z\\&quot;.png&quot;</code>');
    expect(html).toContain('<img src="https://cdn/b-thumb.png" alt="x&lt;y&gt;&amp;&quot;z&quot;.png" width="96">');
    expect(html).toContain('<code>gone.png</code></td><td>The upload failed: &lt;413&gt;</td>');
    expect(html).not.toContain('x<y>');
  });

  it('lists the planned changes of a dry run', () => {
    const html = renderJobSummary(report({ dryRun: true, files: [] }));
    expect(html).toContain('<h3>Would upload</h3>');
    expect(html).toContain('<li><code>b.png</code></li>');
    expect(html).toContain('<li><code>old</code> (asset OLD)</li>');
  });
});

describe('TerminalReporter', () => {
  function fakeStream(isTTY: boolean) {
    const chunks: string[] = [];
    const stream = { isTTY, write: (chunk: string) => chunks.push(chunk) } as unknown as NodeJS.WriteStream;
    return { stream, chunks, output: () => chunks.join('') };
  }

  it('draws a progress bar on a terminal', () => {
    const { stream, output } = fakeStream(true);
    let clock = 0;
    const reporter = new TerminalReporter(stream, { now: () => clock });
    const half = `uploading           [${'#'.repeat(12)}${'-'.repeat(12)}] 5/10`;

    reporter.onEvent({ type: 'phase', phase: 'upload' });
    clock = 100;
    reporter.onEvent({ type: 'progress', phase: 'upload', done: 5, total: 10 });
    reporter.onEvent({ type: 'file', outcome: { path: 'a.png', status: 'uploaded', assetId: 'A1' } });
    reporter.finish();

    expect(output()).toContain(`\r\x1b[2K${half}`);
    expect(output()).toContain(`\r\x1b[2Kuploaded  a.png -> A1\n${half}`);
    expect(output().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('throttles redraws but always draws the last step', () => {
    const { stream, output } = fakeStream(true);
    const reporter = new TerminalReporter(stream, { now: () => 0 });

    reporter.onEvent({ type: 'phase', phase: 'scan' });
    for (let done = 1; done <= 10; done++) reporter.onEvent({ type: 'progress', phase: 'scan', done, total: 10 });

    expect(output()).not.toContain('5/10');
    expect(output()).toContain('10/10');
  });

  it('prints plain lines without a terminal', () => {
    const { stream, output } = fakeStream(false);
    const reporter = new TerminalReporter(stream);

    reporter.onEvent({ type: 'phase', phase: 'upload' });
    reporter.onEvent({ type: 'progress', phase: 'upload', done: 5, total: 10 });
    reporter.onEvent({ type: 'file', outcome: { path: 'a.png', status: 'unchanged' } });
    reporter.onEvent({ type: 'file', outcome: { path: 'b.png', status: 'failed', reason: 'timed out' } });
    reporter.finish();

    expect(output()).toBe('== uploading\nfailed    b.png: timed out\n');
  });

  describe('without a terminal', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    function uploaded(index: number) {
      return { type: 'file', outcome: { path: `img-${index}.png`, status: 'uploaded', assetId: `A${index}` } } as const;
    }

    it('writes many file lines at once', () => {
      const { stream, chunks, output } = fakeStream(false);
      const reporter = new TerminalReporter(stream);

      for (let index = 0; index < 1000; index++) reporter.onEvent(uploaded(index));
      reporter.finish();

      const lines = Array.from({ length: 1000 }, (_, index) => `uploaded  img-${index}.png -> A${index}\n`);
      expect(output()).toBe(lines.join(''));
      // One write once the waiting lines reach 16 KiB, and one for the rest.
      expect(chunks).toHaveLength(2);
    });

    it('writes waiting lines after 100 ms', () => {
      vi.useFakeTimers();
      const { stream, output } = fakeStream(false);
      const reporter = new TerminalReporter(stream);

      reporter.onEvent(uploaded(1));
      vi.advanceTimersByTime(99);
      expect(output()).toBe('');
      vi.advanceTimersByTime(1);
      expect(output()).toBe('uploaded  img-1.png -> A1\n');
    });

    it('writes waiting lines before others', () => {
      const { stream, output } = fakeStream(false);
      const reporter = new TerminalReporter(stream);

      reporter.onEvent(uploaded(1));
      reporter.logger.warn('Skipping the prune');
      reporter.onEvent(uploaded(2));
      reporter.onEvent({ type: 'phase', phase: 'settle' });

      expect(output()).toBe('uploaded  img-1.png -> A1\nwarning: Skipping the prune\nuploaded  img-2.png -> A2\n== waiting for listing\n');
    });

    it('writes waiting lines on exit', () => {
      const { stream, output } = fakeStream(false);
      const reporter = new TerminalReporter(stream);
      const before = process.listeners('exit');

      reporter.onEvent(uploaded(1));
      const added = process.listeners('exit').filter((listener) => !before.includes(listener));
      expect(added).toHaveLength(1);
      added[0]?.(0);

      expect(output()).toBe('uploaded  img-1.png -> A1\n');
      expect(process.listeners('exit')).toEqual(before);
    });

    it('shares one exit listener', () => {
      const before = process.listenerCount('exit');
      const reporters = Array.from({ length: 20 }, () => new TerminalReporter(fakeStream(false).stream));

      for (const reporter of reporters) reporter.onEvent(uploaded(1));
      expect(process.listenerCount('exit')).toBe(before + 1);

      for (const reporter of reporters) reporter.finish();
      expect(process.listenerCount('exit')).toBe(before);
    });
  });

  it('prints the plan when the engine sends it', () => {
    const { stream, output } = fakeStream(false);
    const reporter = new TerminalReporter(stream);

    reporter.onEvent({ type: 'phase', phase: 'plan' });
    reporter.onEvent({ type: 'plan', plan: report().plan });
    reporter.onEvent({ type: 'file', outcome: { path: 'notes.md', status: 'skipped', reason: 'Raster does not accept this type of file.' } });
    reporter.onEvent({ type: 'phase', phase: 'upload' });
    reporter.onEvent({ type: 'file', outcome: { path: 'b.png', status: 'uploaded', assetId: 'B1' } });
    reporter.finish();

    const text = output();
    expect(text.indexOf('+ b.png (2.0 KiB) will be uploaded')).toBeGreaterThan(-1);
    expect(text.indexOf('+ b.png (2.0 KiB) will be uploaded')).toBeLessThan(text.indexOf('uploaded  b.png -> B1'));
    expect(text).not.toContain('skipped   notes.md');
  });

  it('labels errors and warnings', () => {
    const { stream, output } = fakeStream(false);
    const reporter = new TerminalReporter(stream);

    reporter.logger.error?.('Resolving the organization from the API key failed');
    reporter.logger.warn('Skipping the prune');

    expect(output()).toBe('error: Resolving the organization from the API key failed\nwarning: Skipping the prune\n');
  });
});
