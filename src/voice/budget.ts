import { dayKey } from "../domain/time.js";
import type {
  BudgetArea,
  BudgetLine,
  BudgetStore,
  BudgetUsage,
  Reservation,
  ReserveResult,
} from "../store/budget-store.js";

/** USD per GB-second and per request, from the AWS Lambda price list (x86, 2026). */
export interface LambdaPrices {
  onDemandGbSecond: number;
  provisionedKeptWarmGbSecond: number;
  provisionedDurationGbSecond: number;
}

export const LAMBDA_PRICES: Record<string, LambdaPrices> = {
  "ap-northeast-1": {
    onDemandGbSecond: 0.0000166667,
    provisionedKeptWarmGbSecond: 0.0000053835,
    provisionedDurationGbSecond: 0.0000125615,
  },
  "us-east-1": {
    onDemandGbSecond: 0.0000166667,
    provisionedKeptWarmGbSecond: 0.0000041667,
    provisionedDurationGbSecond: 0.0000097222,
  },
};
export const LAMBDA_REQUEST_USD = 0.2 / 1_000_000;

/** A region missing from the table is priced like the dearest known one, so estimates err high. */
export function lambdaPricesFor(region: string): LambdaPrices {
  const known = LAMBDA_PRICES[region];
  if (known) return known;
  const all = Object.values(LAMBDA_PRICES);
  return {
    onDemandGbSecond: Math.max(...all.map((p) => p.onDemandGbSecond)),
    provisionedKeptWarmGbSecond: Math.max(...all.map((p) => p.provisionedKeptWarmGbSecond)),
    provisionedDurationGbSecond: Math.max(...all.map((p) => p.provisionedDurationGbSecond)),
  };
}

export const MICROS_PER_USD = 1_000_000;

export function usdToMicros(usd: number): number {
  return Math.floor(usd * MICROS_PER_USD);
}

export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}

/**
 * The longest start-up (INIT phase) AWS gives a function before an invocation. A cold start is billed
 * too, on top of the invocation's own duration, which the function's timeout bounds.
 */
export const LAMBDA_INIT_MS = 10_000;

/**
 * The longest a synthesis can be billed for, which is what it reserves: a cold start, then the longer
 * of the function's timeout and the App's wait (an abandoned request does not stop the invocation).
 */
export function billableMs(timeouts: { timeoutMs: number; functionTimeoutMs: number }): number {
  return LAMBDA_INIT_MS + Math.max(timeouts.timeoutMs, timeouts.functionTimeoutMs);
}

/** On-demand cost of one invocation of `memoryMb` running `durationMs`, in micro-dollars (rounded up). */
export function lambdaCostMicros(memoryMb: number, durationMs: number, region: string): number {
  const gbSeconds = (memoryMb / 1024) * (Math.max(0, durationMs) / 1000);
  const usd = gbSeconds * lambdaPricesFor(region).onDemandGbSecond + LAMBDA_REQUEST_USD;
  return Math.ceil(usd * MICROS_PER_USD);
}

/**
 * USD per million tokens (input, output) of the Gemini API's paid tier, for prompts under 200,000
 * tokens (a reaction's prompt is well under 1,000). List prices of ai.google.dev's pricing page as
 * of October 2026; where a price is announced to rise, the higher one, so an estimate never runs low.
 */
export interface TokenPrices {
  input: number;
  output: number;
}

const GEMINI_PRICES: [prefix: string, prices: TokenPrices][] = [
  // Longer names first: a model takes the first entry its name starts with.
  // 3.8 Flash: $0.75 / $3.75 until the end of 2026, then $1.50 / $7.50.
  ["gemini-3.8-flash", { input: 1.5, output: 7.5 }],
  ["gemini-3.5-flash-lite", { input: 0.3, output: 2.5 }],
  ["gemini-3.5-flash", { input: 1.5, output: 9 }],
  ["gemini-3.1-pro", { input: 2, output: 12 }],
  ["gemini-2.5-flash-lite", { input: 0.1, output: 0.4 }],
  ["gemini-2.5-flash", { input: 0.3, output: 2.5 }],
  ["gemini-2.5-pro", { input: 1.25, output: 10 }],
  ["gemini-2.0-flash-lite", { input: 0.075, output: 0.3 }],
  ["gemini-2.0-flash", { input: 0.1, output: 0.4 }],
];
/** Unknown models are priced above every model in the table, so that an estimate never runs low. */
const UNKNOWN_MODEL: TokenPrices = { input: 2.5, output: 15 };

export function geminiPricesFor(model: string): TokenPrices {
  const name = model.replace(/^models\//, "");
  return GEMINI_PRICES.find(([prefix]) => name.startsWith(prefix))?.[1] ?? UNKNOWN_MODEL;
}

/** Cost of one Gemini call from its token counts, in micro-dollars (rounded up). */
export function geminiCostMicros(model: string, inputTokens: number, outputTokens: number): number {
  const p = geminiPricesFor(model);
  // USD per million tokens is exactly micro-dollars per token.
  return Math.ceil(Math.max(0, inputTokens) * p.input + Math.max(0, outputTokens) * p.output);
}

/** Daily ceilings in USD; an installation ceiling applies to each installation separately. */
export interface BudgetLimits {
  voiceUsd: number;
  voiceInstallationUsd: number;
  geminiUsd: number;
  geminiInstallationUsd: number;
}

export interface AreaReport {
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  remainingUsd: number;
  uses: number;
}

export interface BudgetReport {
  /** The UTC day the counters belong to; they start again at 00:00 UTC. */
  day: string;
  voice: AreaReport;
  gemini: AreaReport;
}

/**
 * The App's spending guard: every paid call reserves its estimated cost first (globally and for its
 * installation, atomically), and settles the measured cost afterwards. Days are UTC days.
 */
export class Budget {
  readonly #store: BudgetStore;
  readonly #limits: BudgetLimits;
  readonly #now: () => Date;

  constructor(deps: { store: BudgetStore; limits: BudgetLimits; now: () => Date }) {
    this.#store = deps.store;
    this.#limits = deps.limits;
    this.#now = deps.now;
  }

  #lines(area: BudgetArea, installationId: number | null): BudgetLine[] {
    const [global, perInstallation] =
      area === "voice"
        ? [this.#limits.voiceUsd, this.#limits.voiceInstallationUsd]
        : [this.#limits.geminiUsd, this.#limits.geminiInstallationUsd];
    const lines: BudgetLine[] = [{ subject: "global", limitMicros: usdToMicros(global) }];
    if (installationId !== null) {
      lines.push({ subject: `installation:${installationId}`, limitMicros: usdToMicros(perInstallation) });
    }
    return lines;
  }

  /** Sets `estimateMicros` aside for one call, or says which ceiling is reached. */
  reserve(area: BudgetArea, installationId: number | null, estimateMicros: number): Promise<ReserveResult> {
    const now = this.#now();
    return this.#store.reserve(
      area,
      dayKey(now, "UTC"),
      estimateMicros,
      this.#lines(area, installationId),
      now.getTime(),
    );
  }

  /** Books the measured cost of a reserved call (on the reservation's day, even after midnight). */
  settle(reservation: Reservation, actualMicros: number, used = true): Promise<void> {
    return this.#store.settle(reservation, actualMicros, used, this.#now().getTime());
  }

  /** Today's global spend and what is left, for `GET /api/v1/budget`. */
  async today(): Promise<BudgetReport> {
    const day = dayKey(this.#now(), "UTC");
    const area = async (name: BudgetArea, limitUsd: number): Promise<AreaReport> =>
      report(limitUsd, await this.#store.usage(name, day, "global"));
    return {
      day,
      voice: await area("voice", this.#limits.voiceUsd),
      gemini: await area("gemini", this.#limits.geminiUsd),
    };
  }
}

function report(limitUsd: number, usage: BudgetUsage): AreaReport {
  const limit = usdToMicros(limitUsd);
  const committed = usage.spentMicros + usage.reservedMicros;
  return {
    limitUsd,
    spentUsd: microsToUsd(usage.spentMicros),
    reservedUsd: microsToUsd(usage.reservedMicros),
    remainingUsd: microsToUsd(Math.max(0, limit - committed)),
    uses: usage.uses,
  };
}
