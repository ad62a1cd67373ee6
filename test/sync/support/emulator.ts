/** One emulator per test file, started on loopback and reset before each test. */
import { startEmulator, type EmulatorConfig, type RunningEmulator } from '@raster-toolkit/emulator';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/**
 * Registers hooks that start an emulator on 127.0.0.1 for the file, pass it to `use`, reset it
 * before each test and apply `settings`, and stop it after the last test. Call it before the
 * file's own `beforeEach`, which then runs on a reset emulator.
 */
export function emulatorPerFile(use: (emulator: RunningEmulator) => void, settings: Partial<EmulatorConfig> = {}): void {
  let emulator: RunningEmulator | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    use(emulator);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  beforeEach(async () => {
    await emulator?.admin.reset();
    if (Object.keys(settings).length > 0) emulator?.admin.configure(settings);
  });
}
