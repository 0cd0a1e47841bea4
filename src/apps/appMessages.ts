/**
 * What an app process sends, parsed with a schema where it enters the hub: the app is not trusted to send
 * what docs/runtime-protocol.md says. Fields a message does not list are ignored (dropped); text is cut.
 */
import { z } from "zod";
import { FIELD_NAME, VIEW_NAME } from "../sdk/app.ts";
import { PROTOCOL_VERSION, type AppToHub } from "./protocol.ts";

/** Longest text the hub keeps of an app's message (load errors, view errors); the rest is cut. */
export const MAX_APP_MESSAGE_CHARS = 2_000;
const MAX_FIELDS = 200;
const MAX_VIEWS = 200;
const MAX_LABEL_CHARS = 1_000;
const MAX_CONTENT_CHARS = 100_000;

const finite = z.number().refine(Number.isFinite, "a finite number");
/** Missing and null both mean "not set" (a worker in another language may leave nulls out). */
const orNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? null);
const label = orNull(z.string().max(MAX_LABEL_CHARS));
const fieldName = z.string().regex(FIELD_NAME, "a field name");
const described = { name: fieldName, label, description: orNull(z.string().max(MAX_CONTENT_CHARS)) };
const option = z.union([z.string().max(MAX_LABEL_CHARS), finite]);

/** The fields of src/sdk/fields.ts as the views API shows them: only these reach validateParams and the UI. */
const fieldSchema = z.discriminatedUnion("type", [
  z.object({ name: fieldName, type: z.literal("text"), content: z.string().max(MAX_CONTENT_CHARS) }),
  z.object({ ...described, type: z.literal("textField"), default: orNull(z.string().max(10_000)) }),
  z.object({
    ...described,
    type: z.enum(["numberField", "integerField"]),
    default: orNull(finite),
    min: orNull(finite),
    max: orNull(finite),
    step: orNull(finite.refine((step) => step > 0, "a positive step")),
  }),
  z.object({ ...described, type: z.literal("booleanField"), default: orNull(z.boolean()) }),
  z
    .object({
      ...described,
      type: z.literal("optionField"),
      options: z.array(option).min(1).max(1_000),
      default: orNull(option),
    })
    .refine((field) => field.default === null || field.options.includes(field.default), {
      message: "a default that is one of the options",
      path: ["default"],
    }),
]);

const viewSchema = z.object({
  name: z.string().regex(VIEW_NAME, "a view name"),
  kind: z.enum(["data", "table", "web"]),
  label: z.string().max(MAX_LABEL_CHARS),
  durationGuess: orNull(finite.refine((seconds) => seconds >= 0, "a number of seconds")),
});

const unique = (list: { name: string }[]) => new Set(list.map((entry) => entry.name)).size === list.length;

export const manifestSchema = z.object({
  parametrization: z.array(fieldSchema).max(MAX_FIELDS).refine(unique, "fields with different names"),
  views: z.array(viewSchema).min(1).max(MAX_VIEWS).refine(unique, "views with different names"),
});

const cut = (text: string) => text.slice(0, MAX_APP_MESSAGE_CHARS);

const readySchema = z.object({
  type: z.literal("ready"),
  protocol: z.literal(PROTOCOL_VERSION),
  manifest: manifestSchema,
});
const loadErrorSchema = z.object({ type: z.literal("load_error"), message: z.string().transform(cut) });
const resultId = z.string().min(1).max(200);
const resultSchema = z.discriminatedUnion("ok", [
  z.object({ type: z.literal("result"), id: resultId, ok: z.literal(true), result: z.unknown() }),
  z.object({
    type: z.literal("result"),
    id: resultId,
    ok: z.literal(false),
    error: z.object({
      code: z.string().max(200),
      message: z.string().transform(cut),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);

const SCHEMAS: Record<AppToHub["type"], z.ZodType> = {
  ready: readySchema,
  load_error: loadErrorSchema,
  result: resultSchema,
};

export type ParsedAppMessage = { ok: true; message: AppToHub } | { ok: false; reason: string };

/** Checks one message from an app process (already a JSON object with a string `type`) against its schema. */
export function parseAppMessage(raw: { type: string } & Record<string, unknown>): ParsedAppMessage {
  if (!Object.hasOwn(SCHEMAS, raw.type)) {
    return { ok: false, reason: `an unknown message type ${JSON.stringify(raw.type.slice(0, 40))}` };
  }
  if (raw.type === "ready" && raw.protocol !== PROTOCOL_VERSION) {
    return {
      ok: false,
      reason: `it speaks protocol version ${JSON.stringify(raw.protocol ?? null)}; this hub speaks ${PROTOCOL_VERSION}`,
    };
  }
  const parsed = SCHEMAS[raw.type as AppToHub["type"]].safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data as AppToHub };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
  return { ok: false, reason: `a "${raw.type}" message of the wrong shape${where}: ${issue.message}` };
}
