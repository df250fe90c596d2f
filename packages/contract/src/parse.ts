import type { z } from 'zod';

/** Why an input was refused: the first bad field, named by its dotted path. */
export interface InputProblem {
  code: 'parameter_invalid' | 'parameter_missing';
  /** Dotted path of the field (`amount`, `metadata.plan`); absent when the whole input is wrong. */
  param?: string;
  message: string;
}

export type ParseResult<T> = { ok: true; data: T } | { ok: false; problem: InputProblem };

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

function describeSize(issue: Extract<RawIssue, { code: 'too_small' | 'too_big' }>): string {
  const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const word = issue.code === 'too_small' ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      return `must be ${word} ${bound} characters long`;
    case 'array':
    case 'set':
      return `must have ${word} ${bound} items`;
    default:
      return `must be ${word} ${bound}`;
  }
}

/** Messages phrased to follow the field name: "amount must be …". Schema-level messages win. */
function phrase(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be an integer' : `must be ${article(issue.expected)}`;
    case 'too_small':
    case 'too_big':
      return describeSize(issue);
    case 'invalid_value':
      return `must be one of: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return 'is not a known field; check its spelling against the API reference';
    default:
      return undefined;
  }
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function toProblem(issue: Issue): InputProblem {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  const param = path.length > 0 ? path.join('.') : undefined;
  const missing =
    issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
  if (missing) return { code: 'parameter_missing', param, message: `${param ?? 'The body'} is required` };
  return { code: 'parameter_invalid', param, message: `${param ?? 'The body'} ${issue.message}` };
}

/**
 * Validates one input (a body, a query, path parameters or a header) against its schema and
 * reduces a failure to the first bad field, with a message that starts with the field's name.
 *
 * @example
 * const result = parseInput(createGrantBody, { amount: 1.5 });
 * // { ok: false, problem: { code: 'parameter_invalid', param: 'amount', message: 'amount must be a whole number …' } }
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(value, { reportInput: true, error: phrase });
  if (result.success) return { ok: true, data: result.data };
  const first = result.error.issues[0];
  if (!first)
    return { ok: false, problem: { code: 'parameter_invalid', message: 'The request is not valid' } };
  return { ok: false, problem: toProblem(first) };
}
