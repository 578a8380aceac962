/**
 * Compile-time dims as ONNX shape inference computes them, so a compiled session reports the same output
 * signatures as ONNX Runtime (which merges inferred shapes into the declared ones): a dim is a number, a
 * symbolic name ("N"), or null when unknown. Only the rules the supported operators need.
 */

export type Dim = number | string | null;

/** ONNX's Dimension product: values multiply, 1 · d is d, anything else is unknown. */
export function multiplyDims(dims: readonly Dim[]): Dim {
  let out: Dim = 1;
  for (const d of dims) {
    if (typeof out === 'number' && typeof d === 'number') out = out * d;
    else if (out === 1) out = d;
    else if (d !== 1) out = null;
  }
  return out;
}

/** ONNX's bidirectional (numpy) broadcast of two shapes. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let value = 1;
    let symbolic: Dim | undefined;
    let symbols = 0;
    for (const shape of [a, b]) {
      if (i < rank - shape.length) continue;
      const d = shape[i - (rank - shape.length)]!;
      if (typeof d === 'number') {
        if (d !== 1) value = d;
      } else if (symbols === 0) {
        symbolic = d;
        symbols = 1;
      } else if (d !== symbolic || d === null) {
        symbols++;
      }
    }
    out.push(value !== 1 || symbols === 0 ? value : symbols === 1 ? (symbolic ?? null) : null);
  }
  return out;
}

/** ONNX's merge of dims that must agree (Concat's other axes): a value wins, else the first symbol. */
export function mergeDims(dims: readonly Dim[]): Dim {
  const value = dims.find((d) => typeof d === 'number');
  return value ?? dims[0] ?? null;
}

/**
 * The dims ONNX Runtime reports for a graph output: the declared dims with inferred values merged in
 * (a declared value stays; an inferred value replaces a symbol or an unknown; an inferred symbol fills an
 * unknown), −1 for what stays unknown, [] when neither side knows the rank.
 */
export function signatureDims(
  declared: readonly (number | string)[] | undefined,
  inferred: readonly Dim[] | undefined,
): (number | string)[] {
  if (!declared) return inferred ? inferred.map((d) => d ?? -1) : [];
  if (!inferred || inferred.length !== declared.length) return [...declared];
  return declared.map((d, i) => {
    const guess = inferred[i]!;
    if (typeof d === 'number' && d >= 0) return d;
    if (typeof guess === 'number') return guess;
    if (typeof d === 'string') return d;
    return guess ?? -1;
  });
}
