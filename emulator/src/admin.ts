import { validateConfigChange, type EmulatorConfig } from './config';
import type { Services } from './context';
import type { ActiveFault, FaultInjector, FaultSpec, RequestStats } from './faults';
import { LIBRARY_SLUG_PATTERN } from './limits';
import { generateApiKey } from './random';
import { toApiLibrary } from './serialize';
import type { AccessLevel, OrganizationRecord } from './store/records';

/** Error of an invalid administration call, with the status the HTTP surface sends for it. */
export class AdminError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
  }
}

function checkSlug(value: unknown, field: string): string {
  if (typeof value !== 'string' || !LIBRARY_SLUG_PATTERN.test(value)) {
    throw new AdminError(400, `Invalid ${field} ${JSON.stringify(value)}; use lower-case letters, digits and hyphens.`);
  }
  return value;
}

/**
 * Administration of a running emulator for tests: organizations, libraries, keys, reset,
 * request counts, faults and settings. The HTTP routes under `/_emulator/` call the same methods.
 */
export class EmulatorAdmin {
  private readonly services: Services;
  private readonly faults: FaultInjector;
  private readonly requestStats: RequestStats;

  constructor(services: Services, faults: FaultInjector, requestStats: RequestStats) {
    this.services = services;
    this.faults = faults;
    this.requestStats = requestStats;
  }

  async createOrganization(input: { id: string; name?: string | null; plan?: string | null }): Promise<OrganizationRecord> {
    const id = checkSlug(input.id, 'organization id');
    const { store } = this.services;
    if (store.organizations.has(id)) {
      throw new AdminError(409, `Organization "${id}" already exists.`);
    }
    const organization: OrganizationRecord = { id, name: input.name ?? null, plan: input.plan ?? null };
    store.organizations.set(id, organization);
    await this.services.persistence.save();
    return { ...organization };
  }

  async createLibrary(input: { organizationId: string; id: string; name?: string }) {
    const { store } = this.services;
    if (!store.organizations.has(input.organizationId)) {
      throw new AdminError(404, `Organization "${input.organizationId}" does not exist; create it first.`);
    }
    const id = checkSlug(input.id, 'library id');
    if (store.getLibrary(input.organizationId, id) !== undefined) {
      throw new AdminError(409, `Library "${id}" already exists in organization "${input.organizationId}".`);
    }
    const name = input.name ?? id;
    if (typeof name !== 'string' || name.length === 0 || name.length > 100) {
      throw new AdminError(400, 'Invalid library name; use 1 to 100 characters.');
    }
    const library = { organizationId: input.organizationId, id, name };
    store.addLibrary(library);
    await this.services.persistence.save();
    return toApiLibrary(library, this.services);
  }

  /** Creates a key of an organization with Read or Write on each given library. */
  async createKey(input: { organizationId: string; libraries: Record<string, AccessLevel> }): Promise<{ key: string }> {
    const { store } = this.services;
    if (!store.organizations.has(input.organizationId)) {
      throw new AdminError(404, `Organization "${input.organizationId}" does not exist; create it first.`);
    }
    const libraries: Record<string, AccessLevel> = {};
    for (const [libraryId, level] of Object.entries(input.libraries ?? {})) {
      if (store.getLibrary(input.organizationId, libraryId) === undefined) {
        throw new AdminError(404, `Library "${libraryId}" does not exist in organization "${input.organizationId}".`);
      }
      if (level !== 'read' && level !== 'write') {
        throw new AdminError(400, `Invalid access level ${JSON.stringify(level)} for "${libraryId}"; use "read" or "write".`);
      }
      libraries[libraryId] = level;
    }
    const key = generateApiKey();
    store.keys.set(key, { key, organizationId: input.organizationId, libraries });
    await this.services.persistence.save();
    return { key };
  }

  /**
   * Deletes everything and restores the seed organization, library and keys (the same keys as
   * before), and clears faults and request counts. Settings stay as configured.
   */
  async reset(): Promise<void> {
    this.services.store.resetToSeed();
    this.faults.clear();
    this.requestStats.reset();
    await this.services.persistence.removeAllBlobs();
    await this.services.persistence.save();
  }

  stats(): { requests: number; byRoute: Record<string, number> } {
    return this.requestStats.snapshot();
  }

  resetStats(): void {
    this.requestStats.reset();
  }

  injectFaults(faults: FaultSpec[]): void {
    if (!Array.isArray(faults)) {
      throw new AdminError(400, 'Faults must be an array of fault objects.');
    }
    try {
      this.faults.inject(faults);
    } catch (error) {
      throw new AdminError(400, (error as Error).message);
    }
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Faults still active, with the requests each has left. */
  listFaults(): ActiveFault[] {
    return this.faults.list();
  }

  /** Reseeds the random source that decides faults with a `probability`. */
  seedFaults(seed: number): void {
    if (!Number.isInteger(seed)) {
      throw new AdminError(400, `Invalid seed ${String(seed)}; expected an integer.`);
    }
    this.faults.setSeed(seed);
  }

  /** Changes settings for the requests that follow and returns all of them. */
  configure(change: Partial<EmulatorConfig>): EmulatorConfig {
    let checked: Partial<EmulatorConfig>;
    try {
      checked = validateConfigChange(change);
    } catch (error) {
      throw new AdminError(400, (error as Error).message);
    }
    Object.assign(this.services.config, checked);
    return { ...this.services.config };
  }

  config(): EmulatorConfig {
    return { ...this.services.config };
  }
}
