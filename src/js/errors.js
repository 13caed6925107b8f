// Error classes named as in Pinecone's TS client (`err.name` equals the class
// name), so code that catches Pinecone errors keeps working with Conifer.

export class BasePineconeError extends Error {
  constructor(message, extra = {}) {
    super(message);
    this.name = new.target.name;
    Object.assign(this, extra);
  }
}

export class PineconeArgumentError extends BasePineconeError {}
export class PineconeBadRequestError extends BasePineconeError {}
export class PineconeNotFoundError extends BasePineconeError {}
export class PineconeConflictError extends BasePineconeError {}
export class PineconeAuthorizationError extends BasePineconeError {}
export class PineconeUnavailableError extends BasePineconeError {}
export class PineconeInternalServerError extends BasePineconeError {}
export class PineconeConfigurationError extends BasePineconeError {}
/** Stored bytes failed their checksum or could not be decoded. */
export class ConiferCorruptionError extends BasePineconeError {}
/** The storage backend failed (IndexedDB transaction abort, adapter error). */
export class ConiferStorageError extends BasePineconeError {}

const classes = {
  PineconeArgumentError,
  PineconeBadRequestError,
  PineconeNotFoundError,
  PineconeConflictError,
  PineconeAuthorizationError,
  PineconeUnavailableError,
  PineconeInternalServerError,
  PineconeConfigurationError,
  ConiferCorruptionError,
  ConiferStorageError,
};

/** Turns an error thrown by the wasm engine into an instance of its class. */
export function rethrow(e) {
  if (e && e.conifer === true) {
    const Cls = classes[e.name] || BasePineconeError;
    throw new Cls(e.message, {
      status: e.status,
      code: e.code,
      grpcCode: e.grpcCode,
      retryable: e.retryable,
    });
  }
  throw e;
}

export function argError(message) {
  return new PineconeArgumentError(message);
}
