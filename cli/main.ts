/**
 * The `vigil` command line: dispatches to one module per command, loaded only when that command runs.
 */

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  dev: {
    summary: 'serve Vigil locally on http://localhost:8787 (what `npm start` runs)',
    run: async (args) => (await import('./dev.ts')).runDev(args),
  },
  train: {
    summary: 'train a model package from a CSV file',
    run: async (args) => (await import('./train/command.ts')).runTrain(args),
  },
  'models:index': {
    summary: 'check the bundled packages in models/ and regenerate the module that bundles them',
    run: async (args) => (await import('./models-index.ts')).runModelsIndex(args),
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    printUsage();
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`vigil: unknown command "${name}"\n`);
    printUsage();
    return 2;
  }
  return command.run(args);
}

function printUsage(): void {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  console.log('usage: vigil <command> [options]   (vigil <command> --help for its options)\n\ncommands:');
  for (const [name, c] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(width)}  ${c.summary}`);
}
