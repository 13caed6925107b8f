// Error classes named as in Pinecone's TS client (`err.name` equals the class
// name), so code that catches Pinecone errors keeps working with Conifer.

// Each class sets `name` explicitly: `new.target.name` would become a
// minified identifier after bundling.
export class BasePineconeError extends Error {
  name = 'BasePineconeError';
  constructor(message, extra = {}) {
    super(message);
    Object.assign(this, extra);
  }
}

export class PineconeArgumentError extends BasePineconeError {
  name = 'PineconeArgumentError';
}
export class PineconeBadRequestError extends BasePineconeError {
  name = 'PineconeBadRequestError';
}
export class PineconeNotFoundError extends BasePineconeError {
  name = 'PineconeNotFoundError';
}
export class PineconeConflictError extends BasePineconeError {
  name = 'PineconeConflictError';
}
export class PineconeAuthorizationError extends BasePineconeError {
  name = 'PineconeAuthorizationError';
}
export class PineconeUnavailableError extends BasePineconeError {
  name = 'PineconeUnavailableError';
}
export class PineconeInternalServerError extends BasePineconeError {
  name = 'PineconeInternalServerError';
}
export class PineconeConfigurationError extends BasePineconeError {
  name = 'PineconeConfigurationError';
}
/** Stored bytes failed their checksum or could not be decoded. */
export class ConiferCorruptionError extends BasePineconeError {
  name = 'ConiferCorruptionError';
}
/** The storage backend failed (IndexedDB transaction abort, adapter error). */
export class ConiferStorageError extends BasePineconeError {
  name = 'ConiferStorageError';
}

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
