/**
 * Zod schemas of the public request and response bodies. Handlers validate with them and the OpenAPI
 * document is generated from them.
 */
import { z } from '@hono/zod-openapi';
import { REQUEST_ID_PATTERN, REQUEST_ID_RULE } from './request-id.ts';

export const FeatureValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const InstanceSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).openapi('Instance', {
  description: "Feature values keyed by feature name (or a list in the order of the model's features).",
  example: { median_income: 8.3, housing_median_age: 41, ocean_proximity: 'NEAR BAY' },
});

export const PredictRequestSchema = z
  .object({
    instances: z.array(z.unknown(), { error: 'must be a list of instances, e.g. {"instances": [{"feature": 1.5}]}' }).openapi({
      type: 'array',
      items: { $ref: '#/components/schemas/Instance' },
    }),
    routing_key: z
      .string({ error: 'must be a string (for example a user id) that keeps a caller on one model version' })
      .min(1)
      .max(256)
      .optional(),
  })
  .strict()
  .openapi('PredictRequest');

export const KServeV1RequestSchema = z
  .object({
    instances: z.array(z.unknown(), { error: 'must be a list of instances, e.g. {"instances": [{"feature": 1.5}]}' }),
  })
  .strict()
  .openapi('KServeV1PredictRequest');

export const RegressionPredictionSchema = z.object({ value: z.number() }).openapi('RegressionPrediction');
export const ClassificationPredictionSchema = z
  .object({ label: z.string(), probabilities: z.record(z.string(), z.number()) })
  .openapi('ClassificationPrediction');
export const PredictionSchema = z.union([RegressionPredictionSchema, ClassificationPredictionSchema]);

const TensorJsonSchema = z.object({ type: z.string(), dims: z.array(z.number().int()), data: z.array(z.unknown()) });

/** `?debug=true` (admin token): what the model saw and said. */
export const DebugTraceSchema = z
  .object({
    engine: z.enum(['onnxruntime', 'compiled']),
    validated: z
      .array(z.record(z.string(), z.unknown()))
      .openapi({ description: 'Each instance after validation, features in manifest order, null where absent' }),
    inputs: z.record(z.string(), TensorJsonSchema).openapi({ description: 'The input tensors the encoder built, by input name' }),
    outputs: z.record(z.string(), TensorJsonSchema).openapi({ description: 'The raw outputs the decoder read, by output name' }),
  })
  .openapi('DebugTrace');

export const PredictResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    request_id: z.string(),
    predictions: z.array(PredictionSchema),
    warnings: z.array(z.string()).optional(),
    debug: DebugTraceSchema.optional(),
  })
  .openapi('PredictResponse');

export const ExplainResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    request_id: z.string(),
    method: z.enum(['tree_shap', 'linear', 'sampling_shapley']).openapi({
      description: 'Exact path-dependent TreeSHAP, exact linear contributions, or a sampling Shapley estimate (with standard errors)',
    }),
    space: z.enum(['raw', 'margin', 'probability', 'value']).openapi({
      description:
        'What `explained`, `base_value` and contributions are in: raw tree scores or linear margins (before the link ' +
        'named in `transform`), or the served output',
    }),
    outputs: z
      .array(z.string())
      .openapi({ description: 'What each position of explained, base_value and a contribution refers to: class labels, or "value"' }),
    transform: z.string().openapi({ description: 'What maps the explained space to the served output (e.g. LOGISTIC, SOFTMAX)' }),
    reference: z.string().openapi({ description: 'What the base value is the expectation over: the training statistics, or the graph' }),
    background_rows: z.number().int(),
    cover: z.string().optional(),
    fallback_reason: z.string().optional().openapi({ description: 'Sampling only: why no exact method applies' }),
    explanations: z.array(
      z.object({
        prediction: PredictionSchema,
        explained: z.array(z.number()),
        base_value: z.array(z.number()),
        contributions: z
          .record(z.string(), z.array(z.number()))
          .openapi({ description: 'Per original feature, one number per output; they sum to explained − base_value' }),
        standard_error: z.record(z.string(), z.array(z.number())).optional(),
        budget: z
          .object({
            permutations: z.number().int(),
            evaluations: z.number().int(),
            background_rows: z.number().int(),
            stopped_by: z.enum(['permutations', 'time']),
          })
          .optional(),
      }),
    ),
  })
  .openapi('ExplainResponse');

export const KServeV1ResponseSchema = z
  .object({ predictions: z.array(z.union([z.number(), ClassificationPredictionSchema])), debug: DebugTraceSchema.optional() })
  .openapi('KServeV1PredictResponse');

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ instance: z.number().int().optional(), field: z.string(), code: z.string(), message: z.string() })),
    }),
  })
  .openapi('Error');

export const V2Datatype = z.enum([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

export const V2InferRequestSchema = z
  .object({
    id: z.string().max(128).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputs: z
      .array(
        z.object({
          name: z.string().min(1),
          shape: z.array(z.number().int().min(0)).min(1).max(2),
          datatype: V2Datatype,
          parameters: z.record(z.string(), z.unknown()).optional(),
          data: z.array(z.unknown()),
        }),
      )
      .min(1, 'needs at least one input tensor'),
    outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
  })
  .openapi('V2InferenceRequest');

export const V2TensorSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: V2Datatype,
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(z.union([z.number(), z.string(), z.boolean()])),
});

export const V2InferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string(),
    outputs: z.array(V2TensorSchema),
  })
  .openapi('V2InferenceResponse');

export const V2TensorMetadataSchema = z.object({ name: z.string(), datatype: V2Datatype, shape: z.array(z.number().int()) });

export const V2ModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(V2TensorMetadataSchema),
    outputs: z.array(V2TensorMetadataSchema),
    parameters: z.object({
      /** The version described: the primary unless the path names one. */
      version: z.string(),
      engine: z.enum(['onnxruntime', 'compiled']),
      /** When an input holds several features (a matrix): every feature, each also accepted as a tensor of its own. */
      features: z.array(z.object({ name: z.string(), datatype: V2Datatype })).optional(),
    }),
  })
  .openapi('V2ModelMetadata');

/** The protocol's `{"error": message}`, with Vigil's code and field details beside it (where it has them). */
export const V2ErrorSchema = z
  .object({
    error: z.string(),
    code: z.string().optional(),
    details: z
      .array(z.object({ instance: z.number().int().optional(), field: z.string(), code: z.string(), message: z.string() }))
      .optional(),
  })
  .openapi('V2Error');

export type V2Datatype = z.infer<typeof V2Datatype>;
export type V2InferRequest = z.infer<typeof V2InferRequestSchema>;

export const FeedbackItemSchema = z
  .object({
    request_id: z
      .string({ error: 'request_id is required: the x-request-id of the prediction' })
      .regex(REQUEST_ID_PATTERN, `must be the request id of a prediction (${REQUEST_ID_RULE})`),
    /** Position of the instance in that request (default 0). */
    instance: z.number().int().min(0).max(999).optional(),
    /** The true label (classification) or the true value (regression). */
    label: z.union([z.string().min(1).max(256), z.number()], {
      error: 'label is required: the true label (a string) or true value (a number)',
    }),
  })
  .strict()
  .openapi('FeedbackItem');

export const FeedbackRequestSchema = z
  .union([FeedbackItemSchema, z.object({ items: z.array(FeedbackItemSchema).min(1).max(1000) }).strict()], {
    error: 'send {"request_id", "label", "instance"?} or {"items": [...]} with at most 1000 items',
  })
  .openapi('FeedbackRequest');

export const FeedbackResponseSchema = z
  .object({
    accepted: z.number().int(),
    matched: z.number().int(),
    unknown: z.array(z.object({ request_id: z.string(), instance: z.number().int() })),
    duplicates: z.array(z.object({ request_id: z.string(), instance: z.number().int() })),
  })
  .openapi('FeedbackResponse');
