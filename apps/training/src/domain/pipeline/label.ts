import { type Task } from './spec';
import { type Cell } from './table';

export interface LabelRule {
  column: string;
  operator: '>' | '>=' | '<' | '<=' | '==' | '!=';
  value: number | string | boolean;
}

const RULE = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|'[^']*'|"[^"]*"|true|false)\s*$/;

/** `delay > 15`, `status == 'late'`: one comparison of the label column with a literal; a string says what is wrong. */
export function parseLabelRule(expression: string): LabelRule | string {
  const match = RULE.exec(expression);
  if (!match) return `"${expression}" is not <column> <op> <literal> (op one of > >= < <= == !=; literal a number, a quoted string, true or false)`;
  const [, column, operator, literal] = match;
  const value = literal === 'true' ? true : literal === 'false' ? false : /^['"]/.test(literal) ? literal.slice(1, -1) : Number(literal);
  if (typeof value !== 'number' && !['==', '!='].includes(operator)) return `"${operator}" compares numbers; use == or != with ${literal}`;
  return { column, operator: operator as LabelRule['operator'], value };
}

/**
 * The label of a cell. A classifier's is 0/1: by the rule when there is one, else the cell itself (a
 * bool, or a number that is 0 or 1); a regressor's is the number. Null when the cell is null; a
 * string for a value that cannot be a label.
 */
export function labelOf(rule: LabelRule | undefined, task: Task): (cell: Cell) => number | null | string {
  if (task === 'regression') {
    return (cell) => (cell === null ? null : typeof cell === 'number' && Number.isFinite(cell) ? cell : `${JSON.stringify(cell)} is not a finite number to regress on`);
  }
  if (!rule) {
    return (cell) => {
      if (cell === null) return null;
      if (cell === true || cell === 1) return 1;
      if (cell === false || cell === 0) return 0;
      return `${JSON.stringify(cell)} is not 0/1 or a bool; give the label an expression such as "delay > 15"`;
    };
  }
  const { operator, value } = rule;
  return (cell) => {
    if (cell === null) return null;
    if (typeof value === 'number' && typeof cell !== 'number') return `${JSON.stringify(cell)} is not a number to compare with ${value}`;
    switch (operator) {
      case '==':
        return cell === value ? 1 : 0;
      case '!=':
        return cell !== value ? 1 : 0;
      case '>':
        return (cell as number) > (value as number) ? 1 : 0;
      case '>=':
        return (cell as number) >= (value as number) ? 1 : 0;
      case '<':
        return (cell as number) < (value as number) ? 1 : 0;
      case '<=':
        return (cell as number) <= (value as number) ? 1 : 0;
    }
  };
}
