/**
 * The "peer" baseline: the service an engineer would write instead of Vigil — one Node process, `node:http`,
 * onnxruntime-node (native CPU, one intra-op thread like the WASM build), the same model.onnx. Requests are
 * validated, encoded and decoded with Vigil's own pure modules (the compiled instance validator, the manifest's
 * tensor encoder — one float matrix, or one typed tensor per input for imported models — and its decoder), so
 * both sides build the same tensors from the same JSON; no routing, shadows or telemetry.
 *
 * Usage: VIGIL_PEER_RUNTIME_DIR=<dir> node bench/peer/server.ts <model dir>...   → prints {"port": n} once
 * listening on 127.0.0.1. The directory holds onnxruntime-node, installed there by `ensurePeerRuntime`
 * (bench/peer/install.ts): it is not a project dependency.
 * POST /{model}/{version} with {"instances": [...]} → {"predictions": [...]} as Vigil answers them
 * ({"value": n} for regression, {"label": l, "probabilities": {...}} for classifiers).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as OrtCommon from 'onnxruntime-web';
import { compileDecoder } from '../../src/model/decode.ts';
import { compileTensorEncoder } from '../../src/model/encoding.ts';
import { compileValidator, FieldErrors, type Row } from '../../src/model/instance-validator.ts';
import type { Manifest } from '../../src/model/manifest.ts';
import type { OutputTensor } from '../../src/model/tensor.ts';

type OrtNode = typeof OrtCommon & {
  InferenceSession: { create(path: string, options: OrtCommon.InferenceSession.SessionOptions): Promise<OrtCommon.InferenceSession> };
};

const runtimeDir = process.env.VIGIL_PEER_RUNTIME_DIR;
if (!runtimeDir) throw new Error('set VIGIL_PEER_RUNTIME_DIR to the directory ensurePeerRuntime installed onnxruntime-node into');
const ort = createRequire(join(runtimeDir, 'package.json'))('onnxruntime-node') as OrtNode;

const MAX_BODY_BYTES = 1024 * 1024;

interface PeerModel {
  manifest: Manifest;
  session: OrtCommon.InferenceSession;
  validator: ReturnType<typeof compileValidator>;
  encoder: ReturnType<typeof compileTensorEncoder>;
  decoder: ReturnType<typeof compileDecoder>;
}

async function load(dir: string): Promise<[string, PeerModel]> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  return [
    `${manifest.name}/${manifest.version}`,
    {
      manifest,
      session,
      validator: compileValidator(manifest),
      encoder: compileTensorEncoder(manifest),
      decoder: compileDecoder(manifest),
    },
  ];
}

const models = new Map(await Promise.all(process.argv.slice(2).map(load)));

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const model = models.get((req.url ?? '/').slice(1));
  if (!model || req.method !== 'POST') return send(res, 404, { error: `POST /{model}/{version}; known: ${[...models.keys()].join(', ')}` });
  let instances: unknown[];
  try {
    instances = (JSON.parse(await readBody(req)) as { instances: unknown[] }).instances;
    if (!Array.isArray(instances) || instances.length === 0) throw new Error('instances must be a non-empty list');
  } catch (error) {
    return send(res, 400, { error: String(error) });
  }
  const errors = new FieldErrors();
  const rows: Row[] = instances.map((instance, i) => model.validator.validate(instance, i, errors)!);
  if (errors.count > 0) return send(res, 400, { error: errors.list[0]!.message, details: errors.list });
  const feeds: Record<string, OrtCommon.Tensor> = {};
  for (const [name, t] of Object.entries(model.encoder.encode(rows))) feeds[name] = new ort.Tensor(t.dtype, t.data as never, t.dims);
  const results = await model.session.run(feeds, model.decoder.outputNames as string[]);
  const outputs: Record<string, OutputTensor> = {};
  for (const name of model.decoder.outputNames)
    outputs[name] = { type: results[name]!.type, data: results[name]!.data as OutputTensor['data'], dims: results[name]!.dims };
  send(res, 200, { predictions: model.decoder.decode(outputs, rows.length) });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
