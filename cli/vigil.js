#!/usr/bin/env node
// Entry point of the `vigil` command. The CLI is TypeScript run by Node's type stripping, which is on by
// default from Node 22.18; on 22.12–22.17 we re-run Node with the flag that turns it on.
import { spawnSync } from 'node:child_process';

if (!process.features.typescript) {
  const result = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
