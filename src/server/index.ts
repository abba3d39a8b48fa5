// tinysync/server: the sync server, its tokens, its storage contract.
export { createSyncServer, SUBPROTOCOL, type SyncServer } from './server.js';
export { createSyncHandler, type SyncHandler } from './handler.js';
export type { AuthGrant, Authenticate } from './authenticate.js';
export type { SyncServerOptions, Limits } from './options.js';
export { DEFAULT_LIMITS } from './options.js';
export { createToken, verifyToken, grants, parseTtl, type InviteRight, type TokenClaims, type TokenScope, type CreateTokenOptions, type Right } from './tokens.js';
export type { Persistence, StoredLog } from './persistence.js';
export { SqlitePersistence, type SqliteOptions } from './sqlite.js';
export { CloseCode } from './close-codes.js';
export { jsonLinesLogger, type Logger, type LogRecord } from './log.js';
export { docToJSON, MAX_JSON_DEPTH } from './doc-json.js';
export { decodeDocName } from './doc-names.js';
export { TokenError, DocumentTooDeepError, DocumentUnavailableError, PersistenceError, UpdateRefusedError, OptionError, HttpError } from './errors.js';
export { PostgresPersistence, POSTGRES_SCHEMA_VERSION, type PostgresOptions, type DependencyState } from './postgres.js';
export { checkPathPatterns, compilePathRules, formatPointer, PathPatternError, type PathRules } from '../core/index.js';
export { forbiddenPath } from './touched-paths.js';
