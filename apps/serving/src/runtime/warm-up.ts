import { type ModelSignature } from '../domain/signature';
import { DATATYPES, elementCount, type FeedTensor, newTypedArray } from '../domain/tensors';

/**
 * One row per input, zeros or empty strings, shaped by the signature: the first runs of a session
 * allocate and plan, and those costs must not land on the first real requests.
 */
export function warmUpFeeds(signature: ModelSignature): Record<string, FeedTensor> {
  const feeds: Record<string, FeedTensor> = {};
  for (const input of signature.inputs) {
    const dims = input.shape.map((d) => (d < 0 ? 1 : d));
    const size = elementCount(dims);
    feeds[input.name] = {
      type: DATATYPES[input.datatype].ort,
      data: input.datatype === 'BYTES' ? Array.from({ length: size }, () => '') : newTypedArray(input.datatype, size),
      dims,
    };
  }
  return feeds;
}
