// Types for conifer-db: Pinecone's TS client API (both the v1-v6 positional
// and the v7+ object call shapes), for a local database.

export type RecordMetadataValue = string | boolean | number | Array<string>;
export type RecordMetadata = Record<string, RecordMetadataValue>;

export type RecordValues = Array<number> | Float32Array | Float64Array;
export interface RecordSparseValues {
  indices: Array<number>;
  values: Array<number>;
}

export interface PineconeRecord<T extends RecordMetadata = RecordMetadata> {
  id: string;
  values?: RecordValues;
  sparseValues?: RecordSparseValues;
  metadata?: T;
}

type Scalar = string | number | boolean;
export type FieldCondition =
  | Scalar
  | { $eq?: Scalar; $ne?: Scalar; $gt?: number; $gte?: number; $lt?: number; $lte?: number;
      $in?: Array<string | number>; $nin?: Array<string | number>; $exists?: boolean };
export type Filter<T extends RecordMetadata = RecordMetadata> =
  | { $and: Array<Filter<T>> }
  | { $or: Array<Filter<T>> }
  | ({ [K in keyof T]?: FieldCondition } & { [key: string]: FieldCondition | Array<Filter<T>> | undefined });

export interface ScoredPineconeRecord<T extends RecordMetadata = RecordMetadata> {
  id: string;
  score: number;
  values: Array<number>;
  sparseValues?: RecordSparseValues;
  metadata?: T;
}

export interface Usage { readUnits: number }

export interface QueryResponse<T extends RecordMetadata = RecordMetadata> {
  matches: Array<ScoredPineconeRecord<T>>;
  namespace: string;
  usage?: Usage;
}

export interface QueryOptions<T extends RecordMetadata = RecordMetadata> {
  topK: number;
  vector?: RecordValues;
  id?: string;
  sparseVector?: RecordSparseValues;
  filter?: Filter<T>;
  includeValues?: boolean;
  includeMetadata?: boolean;
  namespace?: string;
  /**
   * Conifer extension: the HNSW candidate list size for this query (the
   * index's `conifer.efSearch` when omitted; at least `topK` is used).
   * Larger is slower and more accurate; ignored by exact (flat) search.
   */
  efSearch?: number;
}

export interface FetchResponse<T extends RecordMetadata = RecordMetadata> {
  records: { [id: string]: PineconeRecord<T> & { values: Array<number> } };
  namespace: string;
  usage?: Usage;
}

export interface Pagination { next: string }

export interface ListResponse {
  vectors: Array<{ id: string }>;
  pagination?: Pagination;
  namespace: string;
  usage?: Usage;
}

export interface IndexStatsDescription {
  namespaces: { [ns: string]: { recordCount: number } };
  dimension?: number;
  indexFullness: number;
  totalRecordCount: number;
}

export interface NamespaceDescription {
  name: string;
  recordCount: string;
  schema?: { fields: { [field: string]: { filterable: true } } };
  indexedFields?: { fields: Array<string> };
}

export interface ListNamespacesResponse {
  namespaces: Array<NamespaceDescription>;
  pagination?: Pagination;
  totalCount: number;
}

export interface UpdateOptions<T extends RecordMetadata = RecordMetadata> {
  id?: string;
  filter?: Filter<T>;
  values?: RecordValues;
  sparseValues?: RecordSparseValues;
  metadata?: Partial<T>;
  dryRun?: boolean;
  namespace?: string;
}

export declare class Index<T extends RecordMetadata = RecordMetadata> {
  /** A handle bound to namespace `ns` (one tenant). */
  namespace(ns: string): Index<T>;
  upsert(records: Array<PineconeRecord<T>>): Promise<void>;
  upsert(options: { records: Array<PineconeRecord<T>>; namespace?: string }): Promise<void>;
  query(options: QueryOptions<T>): Promise<QueryResponse<T>>;
  fetch(ids: Array<string>): Promise<FetchResponse<T>>;
  fetch(options: { ids: Array<string>; namespace?: string }): Promise<FetchResponse<T>>;
  fetchByMetadata(options: { filter: Filter<T>; limit?: number; paginationToken?: string; namespace?: string }):
    Promise<FetchResponse<T> & { pagination?: Pagination }>;
  update(options: UpdateOptions<T>): Promise<void | { matchedRecords: number }>;
  deleteOne(id: string): Promise<void>;
  deleteOne(options: { id: string; namespace?: string }): Promise<void>;
  deleteMany(idsOrFilter: Array<string> | Filter<T>): Promise<void>;
  deleteMany(options: { ids?: Array<string>; filter?: Filter<T>; namespace?: string }): Promise<void>;
  deleteAll(options?: { namespace?: string }): Promise<void>;
  listPaginated(options?: { prefix?: string; limit?: number; paginationToken?: string; namespace?: string }):
    Promise<ListResponse>;
  describeIndexStats(options?: { filter?: Filter<T> }): Promise<IndexStatsDescription>;
  listNamespaces(options?: { limit?: number; paginationToken?: string; prefix?: string }): Promise<ListNamespacesResponse>;
  listNamespaces(limit?: number, paginationToken?: string): Promise<ListNamespacesResponse>;
  describeNamespace(namespace: string): Promise<NamespaceDescription>;
  deleteNamespace(namespace: string): Promise<void>;
  createNamespace(options: { name: string; schema?: { fields: { [f: string]: { filterable: true } } } }):
    Promise<NamespaceDescription>;
}

export type Metric = 'cosine' | 'euclidean' | 'dotproduct';

export interface ServerlessSpec {
  cloud: 'aws' | 'gcp' | 'azure';
  region: string;
  sourceCollection?: string;
}

export interface PodSpec {
  environment: string;
  podType?: string;
  pods?: number;
  replicas?: number;
  shards?: number;
  metadataConfig?: { indexed: Array<string> };
  sourceCollection?: string;
}

export interface IndexModel {
  name: string;
  dimension?: number;
  metric: Metric;
  host: string;
  deletionProtection: 'enabled' | 'disabled';
  tags: Record<string, string>;
  spec: { serverless?: ServerlessSpec & { readCapacity?: unknown }; pod?: PodSpec };
  status: { ready: boolean; state: string };
  vectorType: 'dense' | 'sparse';
}

export interface CreateIndexOptions {
  name: string;
  dimension?: number;
  metric?: Metric;
  vectorType?: 'dense' | 'sparse';
  deletionProtection?: 'enabled' | 'disabled';
  tags?: Record<string, string>;
  spec: { serverless: ServerlessSpec } | { pod: PodSpec };
  waitUntilReady?: boolean;
  suppressConflicts?: boolean;
  timeout?: number;
  /** Conifer engine settings: search structure and HNSW parameters. */
  conifer?: { indexType?: 'auto' | 'flat' | 'hnsw'; m?: number; efConstruction?: number; efSearch?: number };
}

export interface ConfigureIndexOptions {
  deletionProtection?: 'enabled' | 'disabled';
  tags?: Record<string, string>;
  podReplicas?: number;
  podType?: string;
  spec?: { pod: { replicas?: number; podType?: string } };
}

/** A key-value store Conifer can persist to (Durable Objects, files, KV...). */
export interface StorageAdapter {
  get(key: Array<string | number>): Promise<Uint8Array | undefined>;
  /** Entries whose key starts with `prefix`, in key order (numbers before strings, element by element). */
  scan(prefix: Array<string | number>): Promise<Array<[Array<string | number>, Uint8Array]>>;
  /** Applies every op atomically. */
  commit(ops: Array<
    | { type: 'put'; key: Array<string | number>; value: Uint8Array }
    | { type: 'delete'; key: Array<string | number> }
    | { type: 'deletePrefix'; key: Array<string | number> }
  >): Promise<void>;
}

export interface PineconeOptions {
  /**
   * Where data lives: `"indexeddb"` (default where IndexedDB exists:
   * browsers and their workers), `"memory"` (default elsewhere; nothing is
   * persisted) or a storage adapter (Durable Objects, KV, files...).
   */
  storage?: 'indexeddb' | 'memory' | StorageAdapter;
  /** IndexedDB database name (`conifer-db:<name>`); default `"default"`. */
  name?: string;
  /**
   * IndexedDB write durability: `"relaxed"` (default; a write survives a tab
   * or browser crash) or `"strict"` (flushed to disk before the promise
   * resolves; survives power loss, slower).
   */
  durability?: 'relaxed' | 'strict';
  /** Bytes of loaded namespaces kept in memory before idle ones are evicted. */
  memoryBudget?: number;
  /** `project_name` label of the metrics. */
  projectName?: string;
  /** Index host template; `{name}` is replaced by the index name. */
  hostTemplate?: string;
  /** Accepted for compatibility with Pinecone's client; not used. */
  apiKey?: string;
}

export interface Metrics {
  /** Prometheus text exposition. */
  text: string;
  projectName: string;
  indexes: Record<string, { vector_count: number; index_fullness: number; requests: Record<string, unknown> }>;
}

export interface CollectionModel {
  name: string;
  size: number;
  status: 'Ready';
  dimension?: number;
  vectorCount: number;
  environment: string;
  source: string;
}

export declare class Pinecone {
  constructor(options?: PineconeOptions);
  createIndex(options: CreateIndexOptions): Promise<IndexModel | undefined>;
  describeIndex(name: string): Promise<IndexModel>;
  listIndexes(): Promise<{ indexes: Array<IndexModel> }>;
  hasIndex(name: string): Promise<boolean>;
  configureIndex(options: { name: string } & ConfigureIndexOptions): Promise<IndexModel>;
  configureIndex(name: string, options: ConfigureIndexOptions): Promise<IndexModel>;
  deleteIndex(name: string): Promise<void>;
  index<T extends RecordMetadata = RecordMetadata>(name: string, host?: string): Index<T>;
  index<T extends RecordMetadata = RecordMetadata>(options: { name?: string; host?: string; namespace?: string }): Index<T>;
  Index<T extends RecordMetadata = RecordMetadata>(name: string, host?: string): Index<T>;
  metrics(): Promise<Metrics>;
  createCollection(options: { name: string; source: string }): Promise<CollectionModel>;
  describeCollection(name: string): Promise<CollectionModel>;
  listCollections(): Promise<{ collections: Array<CollectionModel> }>;
  deleteCollection(name: string): Promise<void>;
  /** Portable bytes of a collection (versioned, checksummed). */
  exportCollection(name: string): Promise<Uint8Array>;
  /** Loads exported bytes as a new collection; corrupted bytes are rejected. */
  importCollection(name: string, bytes: Uint8Array | ArrayBuffer): Promise<CollectionModel>;
  /** Closes the storage (the IndexedDB connection); a later call reopens it. */
  close(): Promise<void>;
}

/** Runs the engine's storage conformance suite against an adapter; rejects on the first failed check. */
export declare function runStorageConformance(adapter: StorageAdapter): Promise<true>;

export declare class BasePineconeError extends Error {
  status?: number;
  code?: string;
  retryable?: boolean;
}
export declare class PineconeArgumentError extends BasePineconeError {}
export declare class PineconeBadRequestError extends BasePineconeError {}
export declare class PineconeNotFoundError extends BasePineconeError {}
export declare class PineconeConflictError extends BasePineconeError {}
export declare class PineconeAuthorizationError extends BasePineconeError {}
export declare class PineconeUnavailableError extends BasePineconeError {}
export declare class PineconeInternalServerError extends BasePineconeError {}
export declare class PineconeConfigurationError extends BasePineconeError {}
export declare class ConiferCorruptionError extends BasePineconeError {}
export declare class ConiferStorageError extends BasePineconeError {}
