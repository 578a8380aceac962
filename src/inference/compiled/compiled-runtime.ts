/**
 * A `ModelRuntime` that evaluates supported ONNX graphs in JavaScript (see compile-onnx.ts) instead of ONNX
 * Runtime's WASM; it throws with the reason when a graph is not supported. Given the build's tree images (see
 * tree-image.ts), a model whose sha256 has one takes its trees from it instead of reading them from the bytes.
 *
 * @example
 * const runtime = new CompiledRuntime(BUNDLED_TREE_IMAGES);
 * const session = await runtime.createSession(bytes, sha256); // throws: node "loop" (Loop) is not supported
 */
import type { ModelRuntime, ModelSession } from '../model-runtime.ts';
import { compileOnnx } from './compile-onnx.ts';
import type { TreeArrays } from './ops/tree-ensemble.ts';
import { readTreeImage } from './tree-image.ts';

export class CompiledRuntime implements ModelRuntime {
  readonly #images: readonly (ArrayBuffer | Uint8Array)[];
  /** sha256 → the trees of its image; built on first use. */
  #trees: Map<string, ReadonlyMap<number, TreeArrays>> | undefined;

  constructor(images: readonly (ArrayBuffer | Uint8Array)[] = []) {
    this.#images = images;
  }

  createSession(bytes: Uint8Array, sha256?: string): Promise<ModelSession> {
    const trees = sha256 === undefined ? undefined : this.#treesFor(sha256);
    // A graph the image does not fit (it cannot happen for the bytes it names) compiles from its bytes alone.
    let compiled = trees ? compileOnnx(bytes, new Map(trees)) : undefined;
    if (!compiled?.ok) compiled = compileOnnx(bytes);
    if (!compiled.ok) return Promise.reject(new Error(`the compiled evaluator cannot run this model: ${compiled.reason}`));
    return Promise.resolve(compiled.session);
  }

  #treesFor(sha256: string): ReadonlyMap<number, TreeArrays> | undefined {
    if (this.#trees === undefined) {
      this.#trees = new Map();
      for (const image of this.#images) {
        const read = readTreeImage(image);
        if (read.ok) this.#trees.set(read.sha256, read.trees);
        else console.error(JSON.stringify({ level: 'warn', message: 'ignoring a tree image the build bundled', reason: read.reason }));
      }
    }
    return this.#trees.get(sha256);
  }
}
