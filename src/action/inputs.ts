import { z } from "zod";
import { isValidTimeZone } from "../domain/time.js";

const list = z
  .string()
  .default("svg,png")
  .transform((v) =>
    v
      .split(/[\s,]+/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(["svg", "png"])).min(1, "name at least one of svg, png"));

/** The Action's inputs (see action.yml), validated once; each message names the input to fix. */
export const actionInputsSchema = z.object({
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression users should write
  "github-token": z.string().min(1, "is empty: pass ${{ github.token }} or a token with contents: write"),
  "state-branch": z
    .string()
    .default("repositori")
    .refine((b) => /^[\w.-][\w./-]{0,100}$/.test(b) && !b.includes(".."), { message: "is not a valid branch name" }),
  // A typo (`flase`) is an error rather than quietly meaning true.
  comment: z
    .string()
    .default("true")
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => ["true", "false", "yes", "no", "on", "off", "1", "0"].includes(v), {
      message: "must be true or false",
    })
    .transform((v) => !["false", "0", "no", "off"].includes(v)),
  locale: z.enum(["", "en", "ja"]).default(""),
  timezone: z
    .string()
    .default("")
    .refine((tz) => tz === "" || isValidTimeZone(tz), {
      message: "is not an IANA time zone such as UTC or Asia/Tokyo",
    }),
  formats: list,
});

export type ActionInputs = z.output<typeof actionInputsSchema>;

/** Parses inputs from a `name → value` getter (`@actions/core`'s getInput in production). */
export function readInputs(get: (name: string) => string): ActionInputs {
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(actionInputsSchema.shape)) {
    const v = get(name);
    raw[name] = v === "" && name !== "github-token" ? undefined : v;
  }
  const parsed = actionInputsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `input \`${i.path.join(".")}\` ${i.message}`);
    throw new Error(lines.join("; "));
  }
  return parsed.data;
}
