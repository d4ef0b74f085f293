import { RpcError, type FieldViolation } from '@mlops/grpc';
import { type LoadedModel } from '../runtime/loaded-model';

/** The outputs a request names, checked against the version that serves it; all of them when it names none. */
export function requestedOutputs(model: LoadedModel, requested: readonly string[], field: (index: number) => string): string[] {
  const declared = model.outputNames;
  if (requested.length === 0) return [...declared];
  const violations: FieldViolation[] = requested.flatMap((name, i) =>
    declared.includes(name) ? [] : [{ field: field(i), description: `"${name}" is not an output of version ${model.servable.version} (outputs: ${declared.join(', ')})` }],
  );
  if (violations.length > 0) throw RpcError.invalidArgument(`unknown output: ${violations[0].field} ${violations[0].description}`, violations);
  return [...requested];
}
