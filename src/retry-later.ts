/**
 * A failure that is not the delivery's fault and may pass (the database is unreachable or too slow,
 * GitHub did not answer in time). The webhook answers 503, since Probot's middleware answers with a
 * handler error's `status`: GitHub lists the delivery as failed, and it can be redelivered.
 */
export class RetryLaterError extends Error {
  readonly status = 503;
}

/**
 * How long a feeding delivery has to be stored, or fail. Probot answers a webhook `202 still
 * processing` 9 s after it arrived, and GitHub counts that as delivered: what is not stored by then
 * must fail with a RetryLaterError instead.
 */
export const ANSWER_WITHIN_MS = 8000;
