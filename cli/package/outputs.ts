/**
 * Decides what the model predicts from its outputs, as a probe run returned them: a label tensor beside an
 * [N, K] probability tensor is a classifier (labels from the graph), one float column a regressor, anything
 * else is refused with what was found — unless `--task` and the spec say more.
 *
 * @example
 * const plan = planOutputs(probe, { graphLabels: ['0', '1'], labelsBehind: () => undefined, spec });
 */
import { positiveLabel as manifestPositiveLabel, type Task } from '../../src/model/manifest.ts';
import { PackageError } from './package-error.ts';
import type { PackageSpec } from './spec.ts';

/** One tensor output as a probe run returned it. */
export interface ProbedOutput {
  name: string;
  type: string;
  /** Values per row. */
  width: number;
  describe: string;
}

export interface OutputPlan {
  task: Task;
  tensor: string;
  labelTensor?: string;
  labels?: string[];
  positiveLabel?: string;
  notes: string[];
}

export interface OutputFacts {
  /** Labels a removed ZipMap carried, in probability-column order. */
  zipMapLabels?: string[];
  /** The labels of the classifier behind a label output, if the graph names them. */
  labelsBehind(output: string): string[] | undefined;
  spec: PackageSpec;
  /** `--task`, else the spec's task. */
  task?: Task;
}

const FLOAT = new Set(['float32', 'float64']);
const LABEL = new Set(['int64', 'int32', 'string']);

function list(outputs: readonly ProbedOutput[]): string {
  return outputs.map((o) => `"${o.name}" ${o.describe}`).join(', ') || 'none';
}

export function planOutputs(outputs: readonly ProbedOutput[], facts: OutputFacts): OutputPlan {
  const { spec } = facts;
  const floats = outputs.filter((o) => FLOAT.has(o.type));
  const labelOutputs = outputs.filter((o) => LABEL.has(o.type) && o.width === 1);
  const found = `the graph's outputs are ${list(outputs)}`;
  const wantsClassifier = facts.task !== undefined && facts.task !== 'regression';

  let main: ProbedOutput;
  if (spec.output !== undefined) {
    const chosen = outputs.find((o) => o.name === spec.output);
    if (!chosen) throw new PackageError(`--spec names output "${spec.output}", which the graph does not have; ${found}`);
    if (!FLOAT.has(chosen.type))
      throw new PackageError(`output "${chosen.name}" is ${chosen.describe}; Vigil serves a float output (values or probabilities)`);
    main = chosen;
  } else if (floats.length === 1) {
    main = floats[0]!;
  } else if (floats.length === 0) {
    throw new PackageError(
      labelOutputs.length > 0
        ? `the classifier outputs only labels (${found}); Vigil needs class probabilities to monitor it: ` +
            'export it with probabilities (for scikit-learn, an estimator with predict_proba, e.g. SVC(probability=True))'
        : `there is no float output to serve: ${found}`,
    );
  } else {
    throw new PackageError(
      `the graph has ${floats.length} float outputs (${list(floats)}); say which one to serve with "output" in --spec`,
    );
  }

  const labelTensor = labelOutputs.length === 1 ? labelOutputs[0] : labelOutputs.find((o) => facts.labelsBehind(o.name));
  const notes: string[] = [];
  if (main.width === 1 && !labelTensor) {
    if (wantsClassifier)
      throw new PackageError(
        `--task ${facts.task} needs one probability per class, but output "${main.name}" has one value per row (${main.describe})`,
      );
    notes.push(`regression: output "${main.name}" (${main.describe}), one value per row`);
    return { task: 'regression', tensor: main.name, notes };
  }
  if (main.width === 1) {
    throw new PackageError(
      `output "${main.name}" has one value per row beside the label output "${labelTensor!.name}"; ` +
        `a classifier needs one probability per class: ${found}`,
    );
  }
  if (!labelTensor && facts.task === 'regression') {
    throw new PackageError(
      `output "${main.name}" has ${main.width} values per row (${main.describe}); ` +
        'Vigil serves one value per row for regression (multi-output regression is not supported)',
    );
  }
  if (!labelTensor && !wantsClassifier) {
    throw new PackageError(
      `output "${main.name}" has ${main.width} values per row and there is no label output (${found}): ` +
        `if they are class probabilities, say --task ${main.width === 2 ? 'binary_classification' : 'multiclass_classification'} ` +
        '(and their labels as "labels" in --spec); Vigil does not serve multi-output regression',
    );
  }

  const graphLabels = facts.zipMapLabels ?? (labelTensor ? facts.labelsBehind(labelTensor.name) : undefined);
  if (graphLabels && spec.labels && graphLabels.join('\u0000') !== spec.labels.join('\u0000')) {
    throw new PackageError(`--spec says labels ${JSON.stringify(spec.labels)}, the graph says ${JSON.stringify(graphLabels)}`);
  }
  let labels = graphLabels ?? spec.labels;
  if (!labels) {
    if (labelTensor)
      throw new PackageError(
        `the graph does not say which class each column of "${main.name}" is; list the labels in column order as "labels" in --spec`,
      );
    labels = Array.from({ length: main.width }, (_, i) => String(i));
    notes.push(`labels "0".."${main.width - 1}" (column positions; name them with "labels" in --spec)`);
  }
  if (labels.length !== main.width) {
    throw new PackageError(`output "${main.name}" has ${main.width} columns but there are ${labels.length} labels (${labels.join(', ')})`);
  }
  if (new Set(labels).size !== labels.length) throw new PackageError(`the labels are not unique: ${labels.join(', ')}`);
  const task: Task = labels.length === 2 ? 'binary_classification' : 'multiclass_classification';
  if (facts.task !== undefined && facts.task !== task)
    throw new PackageError(`--task ${facts.task} does not fit: the model has ${labels.length} classes (${labels.join(', ')})`);
  const positiveLabel = manifestPositiveLabel({ task, output: { labels, positive_label: spec.positive_label } });
  if (spec.positive_label !== undefined && !labels.includes(spec.positive_label))
    throw new PackageError(`positive_label "${spec.positive_label}" is not one of the labels ${labels.join(', ')}`);
  notes.push(
    `${task.replace('_', ' ')}: probabilities "${main.name}" (${main.describe})` +
      `${labelTensor ? `, labels "${labelTensor.name}"` : ', label = most probable class'}; ` +
      `classes ${labels.map((l) => JSON.stringify(l)).join(', ')}` +
      `${positiveLabel ? `, positive ${JSON.stringify(positiveLabel)}` : ''}`,
  );
  return {
    task,
    tensor: main.name,
    ...(labelTensor ? { labelTensor: labelTensor.name } : {}),
    labels,
    ...(positiveLabel ? { positiveLabel } : {}),
    notes,
  };
}
