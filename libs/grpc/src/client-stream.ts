import { RpcError } from './rpc-error';

/** A client-stream message as ts-proto generates it: a `message` oneof. */
type Framed = { message?: { $case: string; value: unknown } };
type HeaderOf<M extends Framed> = Extract<NonNullable<M['message']>, { $case: 'header' }> extends { value: infer H } ? H : never;

/**
 * The header a client stream must open with (INVALID_ARGUMENT naming the method when it does not),
 * and the iterator positioned after it for the rest of the stream.
 */
export async function openingHeader<M extends Framed>(requests: AsyncIterable<M>, method: string): Promise<{ header: HeaderOf<M>; rest: AsyncIterator<M> }> {
  const rest = requests[Symbol.asyncIterator]();
  const first = await rest.next();
  const message = first.done ? undefined : first.value.message;
  if (message?.$case !== 'header') throw RpcError.invalidArgument(`the first message of ${method} must be the header`, [{ field: 'header', description: 'send the header first, once' }]);
  return { header: message.value as HeaderOf<M>, rest };
}

/** The `chunk` messages that follow an upload's header; anything else is INVALID_ARGUMENT. */
export async function* chunksAfterHeader(rest: AsyncIterator<Framed>): AsyncGenerator<Uint8Array> {
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    const message = next.value.message;
    if (message?.$case !== 'chunk') throw RpcError.invalidArgument('only chunks may follow the header', [{ field: 'header', description: 'send the header first, once' }]);
    yield message.value as Uint8Array;
  }
}
