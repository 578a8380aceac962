/**
 * The least encoding that turns a JSON instance into the model's float32 row: the manifest's encoding
 * columns, read straight from the instance object, without validation. Used by the limit Worker (the bare
 * model behind JSON); its output is the same tensor as the service's encoder for valid instances.
 */

export interface EncodingColumnSpec {
  transform: 'numeric' | 'boolean' | 'is_null' | 'one_hot';
  feature: string;
  impute?: number;
  categories?: string[];
}

export interface MinimalEncoder {
  width: number;
  encode(instances: readonly Record<string, unknown>[]): Float32Array;
}

export function minimalEncoder(columns: readonly EncodingColumnSpec[]): MinimalEncoder {
  const width = columns.reduce((w, c) => w + (c.transform === 'one_hot' ? (c.categories ?? []).length : 1), 0);
  return {
    width,
    encode(instances) {
      const out = new Float32Array(instances.length * width);
      for (let r = 0; r < instances.length; r++) {
        const instance = instances[r]!;
        let at = r * width;
        for (const c of columns) {
          const v = instance[c.feature];
          const missing = v === null || v === undefined;
          switch (c.transform) {
            case 'numeric':
              out[at++] = missing ? (c.impute ?? 0) : (v as number);
              break;
            case 'boolean':
              out[at++] = missing ? (c.impute ?? 0) : v ? 1 : 0;
              break;
            case 'is_null':
              out[at++] = missing ? 1 : 0;
              break;
            case 'one_hot': {
              const categories = c.categories ?? [];
              const hit = missing ? -1 : categories.indexOf(v as string);
              if (hit >= 0) out[at + hit] = 1;
              at += categories.length;
              break;
            }
          }
        }
      }
      return out;
    },
  };
}
