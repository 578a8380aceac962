/**
 * Converters put a ZipMap after classifiers by default: it turns the probability tensor into a sequence of
 * maps, which no JavaScript ONNX Runtime can return. This rewrite removes each ZipMap that feeds a graph
 * output and makes its input — the [N, K] probability tensor — the output instead, keeping the class labels
 * the ZipMap carried (int64 labels as decimal strings).
 *
 * @example
 * const result = removeZipMaps(bytes);
 * if (result.ok && result.rewrites.length) await writeFile('model.onnx', result.bytes);
 */
import onnxProto from 'onnx-proto';
import { encodeOnnxModel, type OnnxNode, readOnnxModel, type OnnxModel } from './read-model.ts';

const { onnx } = onnxProto;
const FLOAT = 1;

export interface ZipMapRewrite {
  kind: 'remove_zipmap';
  removed_output: string;
  probabilities: string;
}

export type ZipMapResult =
  | { ok: true; bytes: Uint8Array; model: OnnxModel; rewrites: ZipMapRewrite[]; labels?: string[] }
  | { ok: false; message: string };

/** The class labels a ZipMap (or classifier node) carries, int64 labels as decimal strings. */
export function classLabels(node: OnnxNode): string[] | undefined {
  const strings = node.strings('classlabels_strings');
  if (strings.length > 0) return strings;
  const ints = node.has('classlabels_int64s') ? node.ints('classlabels_int64s') : node.ints('classlabels_ints');
  return ints.length > 0 ? ints.map(String) : undefined;
}

/** Removes the ZipMaps feeding graph outputs; the bytes are the original ones when there is none. */
export function removeZipMaps(bytes: Uint8Array, model: OnnxModel): ZipMapResult {
  const maps = model.outputs.filter((o) => o.kind === 'sequence_of_maps');
  if (maps.length === 0) return { ok: true, bytes, model, rewrites: [] };

  const proto = onnx.ModelProto.decode(bytes);
  const graph = proto.graph!;
  const rewrites: ZipMapRewrite[] = [];
  let labels: string[] | undefined;
  for (const output of maps) {
    const zipMap = model.producerOf.get(output.name);
    if (zipMap?.opType !== 'ZipMap') {
      return {
        ok: false,
        message:
          `output "${output.name}" is a ${output.describe}, made by ${zipMap ? zipMap.opType : 'no node'} ` +
          'rather than a ZipMap; Vigil serves tensor outputs only',
      };
    }
    const probabilities = zipMap.inputs[0]!;
    labels = classLabels(zipMap);
    graph.node = (graph.node ?? []).filter((n) => !(n.opType === 'ZipMap' && (n.output ?? []).includes(output.name)));
    const outputs = graph.output ?? [];
    const at = outputs.findIndex((o) => o.name === output.name);
    const alreadyOutput = outputs.some((o) => o.name === probabilities);
    const known = (graph.valueInfo ?? []).find((v) => v.name === probabilities);
    const replacement = known?.type?.tensorType
      ? onnx.ValueInfoProto.create({ name: probabilities, type: known.type })
      : onnx.ValueInfoProto.create({
          name: probabilities,
          type: { tensorType: { elemType: FLOAT, shape: { dim: [{}, labels ? { dimValue: labels.length } : {}] } } },
        });
    graph.output = alreadyOutput ? outputs.filter((_, i) => i !== at) : outputs.map((o, i) => (i === at ? replacement : o));
    rewrites.push({ kind: 'remove_zipmap', removed_output: output.name, probabilities });
  }
  const rewritten = encodeOnnxModel(proto);
  const reread = readOnnxModel(rewritten);
  if (!reread.ok) return { ok: false, message: `the graph without its ZipMap does not read back: ${reread.message}` };
  return { ok: true, bytes: rewritten, model: reread.model, rewrites, ...(labels ? { labels } : {}) };
}
