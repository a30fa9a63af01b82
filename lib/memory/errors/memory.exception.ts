// The memory errors are defined with every other exception, in lib/errors/.
export { MemoryException, MemoryConnectionException, MemoryStorageException, MemoryValidationException } from '../../errors/memory.exception.js';
export type { MemoryExceptionOptions } from '../../errors/memory.exception.js';
