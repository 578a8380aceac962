/**
 * Posting held-back labels as feedback (`POST /v1/models/{model}/feedback`) in batches of at most 1,000 items,
 * and adding up what the server says: accepted, matched to a logged prediction, unknown request ids.
 */
import type { FeedbackItem, FeedbackResponse } from '../api-types.ts';
import { CliError } from '../cli-error.ts';

export const MAX_FEEDBACK_BATCH = 1000;

export interface FeedbackTotals {
  sent: number;
  accepted: number;
  matched: number;
  unknown: number;
  /** Items the server already had a label for, when it says so. */
  duplicates: number;
  /** The first few unknown request ids, to look up. */
  unknownSample: string[];
  /** Batches the server refused, with its message. */
  failedBatches: { items: number; error: string }[];
}

export function feedbackBatches<T>(items: readonly T[], size = MAX_FEEDBACK_BATCH): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** Posts every batch (one failing batch does not stop the others) and sums the answers. */
export async function postFeedback(
  items: readonly FeedbackItem[],
  post: (batch: FeedbackItem[]) => Promise<FeedbackResponse>,
  onBatch: (sentItems: number) => void = () => {},
): Promise<FeedbackTotals> {
  const totals: FeedbackTotals = { sent: 0, accepted: 0, matched: 0, unknown: 0, duplicates: 0, unknownSample: [], failedBatches: [] };
  for (const batch of feedbackBatches(items)) {
    try {
      const answer = await post(batch);
      totals.accepted += answer.accepted ?? 0;
      totals.matched += answer.matched ?? 0;
      const unknown = answer.unknown ?? [];
      totals.unknown += unknown.length;
      totals.duplicates += answer.duplicates?.length ?? 0;
      for (const u of unknown) if (totals.unknownSample.length < 5) totals.unknownSample.push(u.request_id);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      totals.failedBatches.push({ items: batch.length, error: error.message });
    }
    totals.sent += batch.length;
    onBatch(totals.sent);
  }
  return totals;
}
