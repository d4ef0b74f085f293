import { RpcError } from './rpc-error';
import { type commonV1 } from '@mlops/proto';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1_000;

/**
 * Offset pages behind an opaque token. Offsets suit these lists (contract versions, snapshots,
 * quarantine) whose callers page a few times through slowly changing data.
 */
export function pageOf(request: commonV1.PageRequest | undefined) {
  const limit = Math.min(request?.pageSize || DEFAULT_PAGE, MAX_PAGE);
  if (limit < 0) throw RpcError.invalidArgument('page_size must not be negative', [{ field: 'page.page_size', description: 'must be >= 0' }]);
  let offset = 0;
  if (request?.pageToken) {
    const decoded = /^o:(\d+)$/.exec(Buffer.from(request.pageToken, 'base64url').toString('utf8'));
    if (!decoded) throw RpcError.invalidArgument('page_token is not one this server issued', [{ field: 'page.page_token', description: 'pass next_page_token from the previous page' }]);
    offset = Number(decoded[1]);
  }
  return {
    offset,
    limit,
    /** `fetched` is the count of a query asked for limit + 1 rows. */
    response: (fetched: number): commonV1.PageResponse => ({
      nextPageToken: fetched > limit ? Buffer.from(`o:${offset + limit}`).toString('base64url') : '',
    }),
  };
}
