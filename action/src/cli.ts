#!/usr/bin/env node
/** `raster-sync`: the folder sync as a command-line program for other CI systems and laptops. */
import { RasterUsageError } from '@raster-toolkit/core';
import { enableUploadChunkCollection, syncFolder } from '@raster-toolkit/core/node';
import { HELP, parseCli } from './cli-args';
import { CLI_FLAG_NAMES, InputError, toInputError } from './parse';
import { unmatchedPatternWarnings } from './patterns';
import { commandSafe, ExitCode, exitCodeFor, formatJsonReport, formatReport } from './present';
import { abortOnTerminalSignals } from './signals';
import { TerminalReporter } from './terminal';

async function main(): Promise<number> {
  let command;
  try {
    command = parseCli(process.argv.slice(2), process.env, process.cwd());
  } catch (error) {
    if (error instanceof InputError) return usageError(error.message);
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return ExitCode.success;
  }

  // With --json, stdout carries only the report, so everything a person reads goes to stderr.
  const out = command.json ? process.stderr : process.stdout;
  const reporter = new TerminalReporter(process.stderr, { verbose: command.verbose, planStream: out, dryRun: command.options.dryRun ?? false });

  const controller = new AbortController();
  const removeSignalHandlers = abortOnTerminalSignals(controller, (line) => reporter.line(line), ExitCode.partial);

  // This process runs only the CLI, so it may collect upload chunks.
  enableUploadChunkCollection();
  let report;
  try {
    report = await syncFolder({
      ...command.options,
      signal: controller.signal,
      logger: reporter.logger,
      onEvent: reporter.onEvent,
    });
  } catch (error) {
    reporter.finish();
    if (error instanceof RasterUsageError) return usageError(toInputError(error, CLI_FLAG_NAMES).message);
    process.stderr.write(commandSafe(`error: ${error instanceof Error ? error.message : String(error)}\n`));
    return ExitCode.partial;
  } finally {
    removeSignalHandlers();
  }
  reporter.finish();

  for (const warning of unmatchedPatternWarnings('--include', command.options.include, report)) reporter.line(`warning: ${warning}`);

  // The engine logged why the run stopped, so the headline leaves the reason out.
  const lines = formatReport(report, { withReason: false });
  out.write(commandSafe(`\n${lines.join('\n')}\n`));

  if (command.json) process.stdout.write(formatJsonReport(report, { terminal: process.stdout.isTTY === true }));
  return exitCodeFor(report.outcome);
}

function usageError(message: string): number {
  process.stderr.write(commandSafe(`error: ${message} Run raster-sync --help for the options.\n`));
  return ExitCode.usage;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: raster-sync failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.partial;
  },
);
