export { MemoryException, MemoryConnectionException, MemoryStorageException, MemoryValidationException } from './memory.exception.js';
export type { MemoryExceptionOptions } from './memory.exception.js';
