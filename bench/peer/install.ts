/**
 * The peer baseline's ONNX Runtime (onnxruntime-node) is not a project dependency: its install script
 * downloads CUDA libraries from outside the npm registry, which breaks `npm ci` offline and pulls hundreds of
 * megabytes of GPU code for a CPU benchmark. The benchmark installs it on first use into a cache, at the
 * release of the onnxruntime-web the Worker runs, with that download skipped (the CPU build ships in the npm
 * package itself).
 *
 * @example
 * const dir = await ensurePeerRuntime(ROOT);   // e.g. ~/.cache/vigil/bench-peer/onnxruntime-node-1.30.0
 * createRequire(join(dir, 'package.json'))('onnxruntime-node');
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../lib/children.ts';

export const PEER_PACKAGE = 'onnxruntime-node';

/** The onnxruntime-web release the Worker bundles: the peer runs the same ONNX Runtime release natively. */
export function peerRuntimeVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where the peer's runtime is cached: $VIGIL_CACHE_DIR, else $XDG_CACHE_HOME/vigil, else ~/.cache/vigil. */
export function peerRuntimeDir(version: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.VIGIL_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vigil');
  return join(base, 'bench-peer', `${PEER_PACKAGE}-${version}`);
}

/** Installs onnxruntime-node into its cache directory unless it is there already; returns that directory. */
export async function ensurePeerRuntime(root: string, log: (message: string) => void = () => undefined): Promise<string> {
  const version = peerRuntimeVersion(root);
  const dir = peerRuntimeDir(version);
  if (existsSync(join(dir, 'node_modules', PEER_PACKAGE, 'package.json'))) return dir;
  log(`installing ${PEER_PACKAGE}@${version} for the peer baseline into ${dir} (once)`);
  mkdirSync(dir, { recursive: true });
  // A package.json of its own, so npm installs here and not into the project above.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'vigil-bench-peer', private: true }, null, 2)}\n`);
  await runCommand('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', `${PEER_PACKAGE}@${version}`], {
    cwd: dir,
    // The CPU binaries are in the npm package; skip the install script's CUDA download.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    quiet: true,
  });
  return dir;
}
