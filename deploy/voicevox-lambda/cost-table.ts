// Prints the cost table of deploy/voicevox-lambda/README.md from the AWS Lambda price list in src/voice/budget.ts, with
// the same functions the App's budget uses: `npx tsx deploy/voicevox-lambda/cost-table.ts`.
import { billableMs, LAMBDA_PRICES, LAMBDA_REQUEST_USD, lambdaCostMicros } from "../../src/voice/budget.js";

const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(7)}`;
/** What the App reserves per synthesis with the recipe's 30 s timeout (the App waiting as long). */
const RESERVED_MS = billableMs({ timeoutMs: 30_000, functionTimeoutMs: 30_000 });
const rows: [string, number, number][] = [
  ["warm synthesis, one short line", 2048, 2_000],
  ["cold start (engine loading) + line", 2048, 12_000],
  ["reservation per call (start-up + 30 s timeout)", 2048, RESERVED_MS],
  ["warm synthesis at 3008 MB", 3008, 2_000],
];
console.log("| case | memory | billed duration | on-demand cost (Tokyo = us-east-1) |");
console.log("| --- | --- | --- | --- |");
for (const [name, mb, ms] of rows) {
  console.log(`| ${name} | ${mb} MB | ${ms / 1000} s | ${usd(lambdaCostMicros(mb, ms, "ap-northeast-1"))} |`);
}
const budget = 0.5;
const perWarm = lambdaCostMicros(2048, 2_000, "ap-northeast-1") / 1_000_000;
const perReservation = lambdaCostMicros(2048, RESERVED_MS, "ap-northeast-1") / 1_000_000;
console.log(`\nWith VOICE_DAILY_BUDGET_USD=${budget}: at most ${Math.floor(budget / perReservation)} syntheses a day`);
console.log(
  `if each one had the longest start-up and ran to the 30 s timeout; about ${Math.floor(budget / perWarm)} if they take 2 s each.`,
);
console.log("Idle: no compute is billed (no provisioned concurrency, nothing kept warm); storage is (see below).");

// The hackathon demo: 100 × 3008 MB kept warm with provisioned concurrency for 12 hours in Tokyo.
const tokyo = LAMBDA_PRICES["ap-northeast-1"];
const gbSeconds = 100 * (3008 / 1024) * 12 * 3600;
const warm = gbSeconds * (tokyo?.provisionedKeptWarmGbSecond ?? 0);
console.log(
  `\nHackathon demo, kept warm only: ${gbSeconds.toLocaleString("en")} GB-s × $${tokyo?.provisionedKeptWarmGbSecond}`,
);
console.log(`= $${warm.toFixed(2)} before a single request (requests: $${LAMBDA_REQUEST_USD * 1e6} per million).`);
