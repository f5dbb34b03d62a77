/**
 * Schedule presets <-> five-field cron expressions, shared by the report builder and the
 * schedules page. The server stays the authority on validity and on the plain-language text
 * (GET /api/dashboard/schedules/describe); this module only maps the builder's choices.
 *
 * Exports
 * - PRESET_KINDS: ["daily", "weekdays", "weekly", "monthly", "custom"]
 * - WEEKDAYS: [{value: 0, label: "Sunday"}, … {value: 6, label: "Saturday"}] (cron numbering)
 * - presetToCron(preset) -> string. A preset is one of
 *     {kind: "daily", time: "06:00"}
 *     {kind: "weekdays", time: "06:00"}            (Monday to Friday)
 *     {kind: "weekly", weekday: 1, time: "07:30"}  (weekday 0-6, 0 = Sunday)
 *     {kind: "monthly", day: 1, time: "06:00"}     (day 1-28, so every month has it)
 *     {kind: "custom", cron: "*\/15 * * * *"}
 *   Throws PresetError (with `field` naming the bad input) when a value is out of range.
 * - cronToPreset(cron) -> preset: the preset a cron expression came from, or
 *   {kind: "custom", cron} when it is not one of the shapes above (so editing a schedule opens
 *   in the right mode and round-trips: presetToCron(cronToPreset(c)) === c for preset shapes).
 * - PresetError: Error with a `field` property ("time", "weekday", "day" or "cron").
 */

export const PRESET_KINDS = Object.freeze(["daily", "weekdays", "weekly", "monthly", "custom"]);

export const WEEKDAYS = Object.freeze(
  ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"].map((label, value) =>
    Object.freeze({ value, label }),
  ),
);

// Days 29-31 are missing from some months, where such a schedule would silently skip a run.
const LAST_SAFE_DAY = 28;
const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const NUMBER = /^\d+$/;

export class PresetError extends Error {
  constructor(field, message) {
    super(message);
    this.name = "PresetError";
    this.field = field;
  }
}

function parseTime(time) {
  const match = TIME.exec(String(time ?? "").trim());
  if (!match) throw new PresetError("time", "time must be HH:MM on a 24-hour clock, e.g. 06:00");
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

function inRange(value, low, high, field, message) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < low || number > high) throw new PresetError(field, message);
  return number;
}

/** The five-field cron expression of a preset. */
export function presetToCron(preset) {
  const kind = preset && preset.kind;
  if (kind === "custom") {
    const cron = String(preset.cron ?? "").trim().split(/\s+/).join(" ");
    if (!cron) throw new PresetError("cron", 'enter a cron expression, e.g. "0 6 * * *"');
    return cron;
  }
  const { hour, minute } = parseTime(preset && preset.time);
  if (kind === "daily") return `${minute} ${hour} * * *`;
  if (kind === "weekdays") return `${minute} ${hour} * * 1-5`;
  if (kind === "weekly") {
    const weekday = inRange(preset.weekday, 0, 6, "weekday", "pick a day of the week");
    return `${minute} ${hour} * * ${weekday}`;
  }
  if (kind === "monthly") {
    const day = inRange(preset.day, 1, LAST_SAFE_DAY, "day", `day of the month must be 1-${LAST_SAFE_DAY}`);
    return `${minute} ${hour} ${day} * *`;
  }
  throw new PresetError("kind", `unknown preset kind '${kind}'; use one of ${PRESET_KINDS.join(", ")}`);
}

function number(field, low, high) {
  if (!NUMBER.test(field)) return null;
  const value = Number(field);
  return value >= low && value <= high && String(value) === field ? value : null;
}

function hhmm(hour, minute) {
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** The preset a cron expression matches, or a custom preset carrying it unchanged. */
export function cronToPreset(cron) {
  const text = String(cron ?? "").trim().split(/\s+/).join(" ");
  const custom = { kind: "custom", cron: text };
  const fields = text.split(" ");
  if (fields.length !== 5) return custom;
  const [minuteField, hourField, dayField, monthField, weekdayField] = fields;
  const minute = number(minuteField, 0, 59);
  const hour = number(hourField, 0, 23);
  if (minute === null || hour === null || monthField !== "*") return custom;
  const time = hhmm(hour, minute);
  if (dayField === "*" && weekdayField === "*") return { kind: "daily", time };
  if (dayField === "*" && weekdayField === "1-5") return { kind: "weekdays", time };
  const weekday = number(weekdayField, 0, 6);
  if (dayField === "*" && weekday !== null) return { kind: "weekly", weekday, time };
  const day = number(dayField, 1, LAST_SAFE_DAY);
  if (day !== null && weekdayField === "*") return { kind: "monthly", day, time };
  return custom;
}
