import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { type z } from 'zod';

/** One problem in a document a person wrote, located so they can find it in their file. */
export interface DocumentProblem {
  /** Path in the document, e.g. `fields[2].range.min`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class DocumentError extends Error {
  override name = 'DocumentError';
  constructor(readonly problems: DocumentProblem[]) {
    super(problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`).join('; '));
  }
}

export interface LocatedDocument<T> {
  data: T;
  /** Locates a problem found after parsing (a semantic check) at the node the path names. */
  locate: (path: PropertyKey[], message: string) => DocumentProblem;
}

/**
 * Parses YAML (JSON is YAML) and checks it against a schema, reporting every syntax and schema
 * problem at once with its path and line (DocumentError). Keys must be unique.
 */
export function parseLocatedDocument<S extends z.ZodType>(text: string, schema: S): LocatedDocument<z.output<S>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new DocumentError(
      // With prettyErrors off, yaml leaves linePos unset: locate the error from its offset instead.
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { path: '', line, column: col, message: e.message.split('\n')[0] };
      }),
    );
  }
  const locate = (path: PropertyKey[], message: string) => locateIn(doc, lines, path, message);
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) throw new DocumentError(parsed.error.issues.map((issue) => locate(issue.path, issue.message)));
  return { data: parsed.data, locate };
}

function locateIn(doc: Document, lines: LineCounter, path: PropertyKey[], message: string): DocumentProblem {
  // Walk up until a node exists: a missing key is reported where its parent is.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { path: formatPath(path), line, column: col, message };
    }
  }
  return { path: formatPath(path), message };
}

export function formatPath(path: PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}
