import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const besideCheckout = path.resolve(repositoryRoot, '../shared/images');

/**
 * The read-only folder of real sample images: `shared/images` beside the checkout, where CI lays
 * it out, or `/work/shared/images` for a checkout elsewhere on a developer machine.
 */
export const SHARED_IMAGES = existsSync(besideCheckout) ? besideCheckout : '/work/shared/images';
