import { parseLocatedDocument } from '@mlops/documents';
import { z } from 'zod';
import { type WindowSpec, windowProblems } from '../windows/window-spec';
import {
  type AlertRule,
  type Comparison,
  duplicateNames,
  forProblem,
  metricProblem,
  modelVersionProblem,
  nameProblem,
  type RuleCheckOptions,
  thresholdProblem,
} from './alert-rule';
import { parseDuration } from './duration';

const COMPARISONS: Readonly<Record<string, Comparison>> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=', gt: '>', ge: '>=', lt: '<', le: '<=' };
const DURATION_HINT = 'must be a duration such as 500ms, 90s, 15m, 1h30m or 1d';

/** A shared field check as a refinement, so its problem is located at the field's line. */
const checkedBy =
  <T>(check: (value: T) => string | undefined) =>
  (value: T, ctx: z.RefinementCtx) => {
    const message = check(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message });
  };

/** A number without a unit is ambiguous (seconds? milliseconds?) unless it is 0. */
function durationMs(value: string | number): number | undefined {
  return typeof value === 'string' ? parseDuration(value) : value === 0 ? 0 : undefined;
}

const durationText = z.union([z.string(), z.number()]);
// Non-finite numbers (YAML's .inf, .nan) pass through to the shared threshold check, which names them.
const anyNumber = z.custom<number>((value) => typeof value === 'number', 'must be a number');

const windowSchema = z
  .strictObject({
    kind: z.enum(['tumbling', 'sliding']),
    duration: durationText.optional(),
    count: z.number().optional(),
    slide: durationText.optional(),
  })
  .transform((window, ctx): WindowSpec => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const { kind, duration, count, slide } = window;
    if (kind === 'sliding' && slide === undefined) {
      issue([], 'a sliding window needs a slide');
      return z.NEVER;
    }
    let spec: WindowSpec;
    if (duration !== undefined && count === undefined) {
      const sizeMs = durationMs(duration);
      const slideMs = slide === undefined ? sizeMs : durationMs(slide);
      if (sizeMs === undefined) issue(['duration'], DURATION_HINT);
      if (slideMs === undefined && slide !== undefined) issue(['slide'], DURATION_HINT);
      if (sizeMs === undefined || slideMs === undefined) return z.NEVER;
      spec = { by: 'time', kind, sizeMs, slideMs };
    } else if (count !== undefined && duration === undefined) {
      if (typeof slide === 'string') {
        issue(['slide'], 'must be a number of predictions, as the window is a count');
        return z.NEVER;
      }
      spec = { by: 'count', kind, size: count, slide: slide ?? count };
    } else {
      issue([], 'needs either a duration (a time window) or a count (a count window)');
      return z.NEVER;
    }
    // windowProblems names the spec's fields; the document calls the size `duration` or `count`.
    const documentKey = (field: string) => (field === 'size' ? (spec.by === 'time' ? 'duration' : 'count') : field);
    for (const problem of windowProblems(spec)) issue([documentKey(problem.field)], problem.message);
    return spec;
  });

const forSchema = durationText.transform((value, ctx) => {
  const ms = durationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${DURATION_HINT}, or 0` });
    return z.NEVER;
  }
  return ms;
});

function documentSchema(options: RuleCheckOptions) {
  const rule = z.strictObject({
    name: z.string().superRefine(checkedBy(nameProblem)),
    metric: z.string().superRefine(checkedBy((metric: string) => metricProblem(metric, options.features))),
    comparison: z.enum(Object.keys(COMPARISONS)).transform((comparison) => COMPARISONS[comparison]),
    threshold: anyNumber.superRefine(checkedBy(thresholdProblem)),
    window: windowSchema.optional(),
    for: forSchema.superRefine(checkedBy(forProblem)).default(0),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    version: z.number().superRefine(checkedBy(modelVersionProblem)).default(0),
    arm: z.string().default(''),
    labels: z.record(z.string(), z.string()).default({}),
  });
  return z.strictObject({
    rules: z.array(rule).superRefine((rules, ctx) => {
      for (const { index, message } of duplicateNames(rules.map((r) => r.name))) ctx.addIssue({ code: 'custom', path: [index, 'name'], message });
    }),
  });
}

/**
 * Reads a rule document (YAML or JSON, `rules: [...]`): every problem is reported at once, each with
 * its path and line (DocumentError from @mlops/documents), with the same checks as validateRules.
 * A rule without a window is evaluated over `defaultWindow` (the service's standard report window).
 */
export function parseRuleDocument(text: string, defaultWindow: WindowSpec, options: RuleCheckOptions = {}): AlertRule[] {
  const { data } = parseLocatedDocument(text, documentSchema(options));
  return data.rules.map((rule) => ({
    name: rule.name,
    metric: rule.metric,
    comparison: rule.comparison,
    threshold: rule.threshold,
    window: rule.window ?? defaultWindow,
    forMs: rule.for,
    severity: rule.severity,
    modelVersion: rule.version,
    arm: rule.arm,
    labels: rule.labels,
  }));
}
