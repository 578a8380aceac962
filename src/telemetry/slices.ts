/**
 * Slice attributes of an instance (the manifest's slices and protected attributes), as labels: the category,
 * or the numeric band such as "(34, 36]". Stored with samples and comparisons so reports can group by them.
 */
import { sliceLabel, type SliceDefinition } from '../model/metrics.ts';
import type { Row } from '../model/instance-validator.ts';
import type { Manifest } from '../model/manifest.ts';

export function sliceDefinitions(manifest: Pick<Manifest, 'monitoring'>): SliceDefinition[] {
  const slices: SliceDefinition[] = manifest.monitoring.slices.map((s) =>
    s.bands ? { feature: s.feature, bands: s.bands } : { feature: s.feature },
  );
  for (const attribute of manifest.monitoring.protected_attributes) {
    if (!slices.some((s) => s.feature === attribute)) slices.push({ feature: attribute });
  }
  return slices;
}

/** A row's value per slice feature (banded numbers as their band's label). */
export type Slicer = (row: Row) => Record<string, string>;

/**
 * Compiles `row -> {feature: slice label}` for a manifest. Labels are stored with samples and comparisons, so a
 * PII feature used as a slice is labelled by its category's position (`#3`) or its band, never its raw value.
 */
export function compileSlicer(manifest: Pick<Manifest, 'monitoring' | 'features'>): Slicer {
  const index = new Map(manifest.features.map((f, i) => [f.name, i]));
  const slices = sliceDefinitions(manifest).flatMap((s) => {
    const i = index.get(s.feature);
    if (i === undefined) return [];
    const feature = manifest.features[i]!;
    const position = feature.pii ? new Map((feature.categories ?? []).map((c, p) => [c, `#${p}`])) : null;
    return [{ definition: s, index: i, position, pii: Boolean(feature.pii) }];
  });
  return (row) => {
    const out: Record<string, string> = {};
    for (const s of slices) {
      const value = row[s.index] ?? null;
      const label = sliceLabel(s.definition, value);
      out[s.definition.feature] =
        !s.pii || value === null || (s.definition.bands && typeof value === 'number') ? label : (s.position?.get(String(value)) ?? '#?');
    }
    return out;
  };
}
