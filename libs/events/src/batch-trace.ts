import { type Context, type Link, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

/**
 * The trace a batch of events is published in: the first event's (so a lone event, the usual case,
 * keeps its caller's trace end to end), with links to the traces of the others.
 */
export function batchTraceContext(carriers: ReadonlyArray<Record<string, string>>): { parent: Context; links: Link[] } {
  const [first, ...rest] = carriers;
  const parent = propagation.extract(ROOT_CONTEXT, first ?? {});
  const links = rest.flatMap((carrier) => {
    const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
    return linked ? [{ context: linked }] : [];
  });
  return { parent, links };
}
