/**
 * The float32 kernels of ONNX Runtime's MLAS library as its WebAssembly build (onnxruntime-web, SIMD without
 * FMA) computes them: the rational approximations of logistic and tanh, the polynomial exp inside Softmax, and
 * the order in which SGEMM accumulates. Each operation is rounded to float32 where the WASM code rounds, so the
 * results are bit-identical to ONNX Runtime's, not merely close.
 */

const f = Math.fround;
const FLOAT32_LOWEST = -3.4028234663852886e38;

/** `f32x4.max` of WebAssembly SIMD: NaN when either operand is NaN, +0 over -0. */
function simdMax(a: number, b: number): number {
  if (a !== a || b !== b) return Number.NaN;
  if (a === 0 && b === 0) return Object.is(a, -0) && Object.is(b, -0) ? -0 : 0;
  return a > b ? a : b;
}

const LOGISTIC = {
  alpha9: f(4.37031012579801e-11),
  alpha7: f(1.15627324459942e-7),
  alpha5: f(6.08574864600143e-5),
  alpha3: f(8.51377133304701e-3),
  alpha1: f(2.48287947061529e-1),
  beta10: f(6.10247389755681e-13),
  beta8: f(5.76102136993427e-9),
  beta6: f(6.2910678501704e-6),
  beta4: f(1.70198817374094e-3),
  beta2: f(1.16817656904453e-1),
  beta0: f(9.9315192102318e-1),
};

/** MlasComputeLogistic for one element (ai.onnx Sigmoid, LinearClassifier's LOGISTIC over several classes). */
export function mlasLogistic(x: number): number {
  // Clamping with comparisons keeps NaN as NaN, like both MLAS paths.
  const v = x < -18 ? -18 : x > 18 ? 18 : x;
  const v2 = f(v * v);
  let p = f(f(v2 * LOGISTIC.alpha9) + LOGISTIC.alpha7);
  p = f(f(p * v2) + LOGISTIC.alpha5);
  p = f(f(p * v2) + LOGISTIC.alpha3);
  p = f(f(p * v2) + LOGISTIC.alpha1);
  p = f(p * v);
  let q = f(f(v2 * LOGISTIC.beta10) + LOGISTIC.beta8);
  q = f(f(q * v2) + LOGISTIC.beta6);
  q = f(f(q * v2) + LOGISTIC.beta4);
  q = f(f(q * v2) + LOGISTIC.beta2);
  q = f(f(q * v2) + LOGISTIC.beta0);
  const r = f(f(p / q) + 0.5);
  return r < 0 ? 0 : r > 1 ? 1 : r;
}

const TANH = {
  alpha13: f(-2.76076847742355e-16),
  alpha11: f(2.00018790482477e-13),
  alpha9: f(-8.60467152213735e-11),
  alpha7: f(5.12229709037114e-8),
  alpha5: f(1.48572235717979e-5),
  alpha3: f(6.37261928875436e-4),
  alpha1: f(4.89352455891786e-3),
  beta6: f(1.19825839466702e-6),
  beta4: f(1.18534705686654e-4),
  beta2: f(2.268434632439e-3),
  beta0: f(4.89352518554385e-3),
};

/** MlasComputeTanh for one element (ai.onnx Tanh). */
export function mlasTanh(x: number): number {
  const v = x < -9 ? -9 : x > 9 ? 9 : x;
  const v2 = f(v * v);
  let p = f(f(v2 * TANH.alpha13) + TANH.alpha11);
  p = f(f(p * v2) + TANH.alpha9);
  p = f(f(p * v2) + TANH.alpha7);
  p = f(f(p * v2) + TANH.alpha5);
  p = f(f(p * v2) + TANH.alpha3);
  p = f(f(p * v2) + TANH.alpha1);
  p = f(p * v);
  let q = f(f(v2 * TANH.beta6) + TANH.beta4);
  q = f(f(q * v2) + TANH.beta2);
  q = f(f(q * v2) + TANH.beta0);
  return f(p / q);
}

const EXP = {
  lowerRangeSumExp: f(-88.3762626647949),
  roundingBias: 12582912,
  // MLAS's literal as written (it is log2(e)); float32 rounding makes the extra digits moot.
  // biome-ignore lint/correctness/noPrecisionLoss: copied from MLAS
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: copied from MLAS
  log2Reciprocal: f(1.44269504088896341),
  log2High: f(-6.93145752e-1),
  log2Low: f(-1.42860677e-6),
  // The hexadecimal float constants of MLAS (0x1.694000p-10, …), exact in float32.
  poly0: (0x1694000 / 0x1000000) * 2 ** -10,
  poly1: (0x1125edc / 0x1000000) * 2 ** -7,
  poly2: (0x1555b5a / 0x1000000) * 2 ** -5,
  poly3: (0x1555450 / 0x1000000) * 2 ** -3,
  poly4: (0x1fffff6 / 0x1000000) * 2 ** -2,
};

/** MlasComputeSumExpVector for one element: exp(x + negativeMaximum) by MLAS's polynomial. */
function sumExp(x: number, negativeMaximum: number): number {
  let v = simdMax(EXP.lowerRangeSumExp, f(x + negativeMaximum));
  if (v !== v) return Number.NaN;
  const biased = f(f(v * EXP.log2Reciprocal) + EXP.roundingBias);
  const m = f(biased - EXP.roundingBias);
  v = f(f(m * EXP.log2High) + v);
  v = f(f(m * EXP.log2Low) + v);
  let p = EXP.poly0;
  p = f(f(p * v) + EXP.poly1);
  p = f(f(p * v) + EXP.poly2);
  p = f(f(p * v) + EXP.poly3);
  p = f(f(p * v) + EXP.poly4);
  p = f(f(p * v) + 1);
  p = f(f(p * v) + 1);
  // MLAS builds 2^m from the bits of `biased`; below 2^-126 those bits make 0 (the input was clamped above).
  const scale = m >= -126 ? 2 ** m : 0;
  return f(p * scale);
}

/**
 * MlasComputeSoftmax for one row of `count` values read from `input` at `inputOffset` with `stride` between
 * them, written to `output` the same way. Lanes, reduction order and the multiply by 1/sum are MLAS's.
 */
export function mlasSoftmaxRow(
  input: ArrayLike<number>,
  inputOffset: number,
  stride: number,
  count: number,
  output: Float32Array,
  outputOffset: number,
): void {
  const at = (i: number) => input[inputOffset + i * stride]!;
  let maximum = FLOAT32_LOWEST;
  let i = 0;
  if (count >= 4) {
    const lanes = [FLOAT32_LOWEST, FLOAT32_LOWEST, FLOAT32_LOWEST, FLOAT32_LOWEST];
    if (count >= 16) {
      const more = [lanes.slice(), lanes.slice(), lanes.slice()] as [number[], number[], number[]];
      for (; count - i >= 16; i += 16) {
        for (let l = 0; l < 4; l++) {
          lanes[l] = simdMax(lanes[l]!, at(i + l));
          more[0][l] = simdMax(more[0][l]!, at(i + 4 + l));
          more[1][l] = simdMax(more[1][l]!, at(i + 8 + l));
          more[2][l] = simdMax(more[2][l]!, at(i + 12 + l));
        }
      }
      for (let l = 0; l < 4; l++) {
        const a = simdMax(lanes[l]!, more[0][l]!);
        const b = simdMax(more[1][l]!, more[2][l]!);
        lanes[l] = simdMax(a, b);
      }
    }
    for (; count - i >= 4; i += 4) for (let l = 0; l < 4; l++) lanes[l] = simdMax(lanes[l]!, at(i + l));
    maximum = simdMax(simdMax(lanes[0]!, lanes[2]!), simdMax(lanes[1]!, lanes[3]!));
  }
  // std::max keeps the running maximum when the value is NaN.
  for (; i < count; i++) if (maximum < at(i)) maximum = at(i);

  const negativeMaximum = -maximum;
  let sum = 0;
  i = 0;
  if (count >= 4) {
    const acc = [0, 0, 0, 0];
    for (; count - i >= 8; i += 8) {
      for (let l = 0; l < 4; l++) {
        const e0 = sumExp(at(i + l), negativeMaximum);
        const e1 = sumExp(at(i + 4 + l), negativeMaximum);
        output[outputOffset + (i + l) * stride] = e0;
        output[outputOffset + (i + 4 + l) * stride] = e1;
        acc[l] = f(f(acc[l]! + e0) + e1);
      }
    }
    for (; count - i >= 4; i += 4) {
      for (let l = 0; l < 4; l++) {
        const e = sumExp(at(i + l), negativeMaximum);
        output[outputOffset + (i + l) * stride] = e;
        acc[l] = f(acc[l]! + e);
      }
    }
    sum = f(f(acc[0]! + acc[2]!) + f(acc[1]! + acc[3]!));
  }
  for (; i < count; i++) {
    const e = sumExp(at(i), negativeMaximum);
    output[outputOffset + i * stride] = e;
    sum = f(sum + e);
  }
  const scale = f(1 / sum);
  for (i = 0; i < count; i++) {
    const o = outputOffset + i * stride;
    output[o] = f(output[o]! * scale);
  }
}

/**
 * The K-dimension slice MLAS's SGEMM accumulates in registers before adding to C (MlasSgemmOperation's
 * StrideK after its N/K rebalancing, from MLAS_SGEMM_STRIDEN = MLAS_SGEMM_STRIDEK = 128).
 */
export function sgemmStrideK(n: number, k: number, transA: boolean): number {
  let strideN = 128;
  let strideK = 128;
  if (n >= k) {
    while (Math.floor(strideK / 2) >= k) {
      strideN *= 2;
      strideK = Math.floor(strideK / 2);
    }
  } else if (!transA) {
    while (strideN > 16 && Math.floor(strideN / 2) >= n) {
      strideK *= 2;
      strideN = Math.floor(strideN / 2);
    }
  }
  return strideK;
}
