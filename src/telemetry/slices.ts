/**
 * Slice attributes of an instance (the manifest's slices and protected attributes), as labels: the category,
 * or the numeric band such as "(34, 36]". Stored with samples and comparisons so reports can group by them.
 */
import { sliceLabel, type SliceDefinition } from '../monitoring/metrics.ts';
import type { Row } from '../registry/instance-validator.ts';
import type { Manifest } from '../registry/manifest.ts';

export function sliceDefinitions(manifest: Pick<Manifest, 'monitoring'>): SliceDefinition[] {
  const slices: SliceDefinition[] = manifest.monitoring.slices.map((s) => (s.bands ? { feature: s.feature, bands: s.bands } : { feature: s.feature }));
  for (const attribute of manifest.monitoring.protected_attributes) {
    if (!slices.some((s) => s.feature === attribute)) slices.push({ feature: attribute });
  }
  return slices;
}

/** Compiles `row -> {feature: slice label}` for a manifest. */
export function compileSlicer(manifest: Pick<Manifest, 'monitoring' | 'features'>): (row: Row) => Record<string, string> {
  const index = new Map(manifest.features.map((f, i) => [f.name, i]));
  const slices = sliceDefinitions(manifest).flatMap((s) => {
    const i = index.get(s.feature);
    return i === undefined ? [] : [{ definition: s, index: i }];
  });
  return (row) => {
    const out: Record<string, string> = {};
    for (const s of slices) out[s.definition.feature] = sliceLabel(s.definition, row[s.index] ?? null);
    return out;
  };
}
