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
  package: {
    summary: 'make a model package from any ONNX export (scikit-learn, XGBoost, LightGBM, PyTorch) and its data',
    run: async (args) => (await import('./package/command.ts')).runPackage(args),
  },
  push: {
    summary: 'upload a model package (manifest.json + model.onnx) through the QA gate',
    run: async (args) => (await import('./commands/push.ts')).runPush(args),
  },
  status: {
    summary: "show a model's deployment and versions (or every model)",
    run: async (args) => (await import('./commands/status.ts')).runStatus(args),
  },
  promote: {
    summary: 'make a version the primary',
    run: async (args) => (await import('./commands/deployment.ts')).runPromote(args),
  },
  canary: {
    summary: 'send a share of routing keys to a version, or --clear the canary',
    run: async (args) => (await import('./commands/deployment.ts')).runCanary(args),
  },
  shadow: {
    summary: 'mirror a share of requests to a version, or --clear it',
    run: async (args) => (await import('./commands/deployment.ts')).runShadow(args),
  },
  rollback: {
    summary: 'return to the previous primary',
    run: async (args) => (await import('./commands/deployment.ts')).runRollback(args),
  },
  sampling: {
    summary: 'set the share of primary traffic logged as samples',
    run: async (args) => (await import('./commands/deployment.ts')).runSampling(args),
  },
  explain: {
    summary: "show why a model predicts what it does: each feature's contribution to an instance's prediction",
    run: async (args) => (await import('./commands/explain.ts')).runExplain(args),
  },
  engine: {
    summary: "force the engine of a version (compiled or onnxruntime), or auto for the QA gate's choice",
    run: async (args) => (await import('./commands/engine.ts')).runEngine(args),
  },
  events: {
    summary: "list a model's deployment changes (the audit trail)",
    run: async (args) => (await import('./commands/events.ts')).runEvents(args),
  },
  replay: {
    summary: 'send the rows of a CSV as prediction requests (rehearse traffic, drift and feedback)',
    run: async (args) => (await import('./commands/replay.ts')).runReplay(args),
  },
  report: {
    summary: "print a model's shadow, canary, drift, quality or score report",
    run: async (args) => (await import('./commands/report.ts')).runReport(args),
  },
  prepare: {
    summary: 'check the bundled packages in models/ and prepare the Worker build (run by npm start/test/deploy)',
    run: async (args) => (await import('./models-index.ts')).runModelsIndex(args),
  },
  types: {
    summary: "generate the Workers' bindings types from wrangler.toml and wrangler.telemetry.toml (--check compares)",
    run: async (args) => (await import('./wrangler-types.ts')).runWranglerTypes(args),
  },
  'models:index': {
    summary: 'alias of prepare',
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
