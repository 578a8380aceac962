/** Paths of the repository, resolved from this file so commands work from any working directory. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODELS_DIR = join(REPO_ROOT, 'models');
