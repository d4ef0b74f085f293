import { Metadata, type ServiceError, type status } from '@grpc/grpc-js';
import { BadRequest, ErrorInfo, Status } from '@mlops/proto';
import { type FieldViolation, type RpcError } from './rpc-error';

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';
const ERROR_DOMAIN = 'mlops.platform';

/** Builds the ServiceError grpc-js sends, with a `google.rpc.Status` in the standard trailer. */
export function toServiceError(error: RpcError): Partial<ServiceError> {
  const details = [];
  if (error.fieldViolations.length > 0) {
    details.push({ typeUrl: BAD_REQUEST_TYPE, value: Buffer.from(BadRequest.encode({ fieldViolations: error.fieldViolations }).finish()) });
  }
  if (error.reason) {
    details.push({ typeUrl: ERROR_INFO_TYPE, value: Buffer.from(ErrorInfo.encode({ reason: error.reason, domain: ERROR_DOMAIN, metadata: {} }).finish()) });
  }
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(Status.encode({ code: error.code, message: error.message, details }).finish()));
  return { code: error.code, details: error.message, metadata };
}

export interface DecodedStatusDetails {
  code: status;
  message: string;
  fieldViolations: FieldViolation[];
  reason?: string;
}

/** Reads the rich status a server attached to an error; for clients and tests. */
export function decodeStatusDetails(error: ServiceError): DecodedStatusDetails {
  const raw = error.metadata?.get(STATUS_DETAILS_KEY)[0];
  const decoded: DecodedStatusDetails = { code: error.code, message: error.details, fieldViolations: [] };
  if (!Buffer.isBuffer(raw)) return decoded;
  for (const detail of Status.decode(raw).details) {
    if (detail.typeUrl === BAD_REQUEST_TYPE) decoded.fieldViolations = BadRequest.decode(detail.value).fieldViolations;
    if (detail.typeUrl === ERROR_INFO_TYPE) decoded.reason = ErrorInfo.decode(detail.value).reason;
  }
  return decoded;
}
