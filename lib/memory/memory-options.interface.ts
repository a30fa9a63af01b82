/** `memory` section of the module options (see MemoryService). */
export interface MemoryModuleOptions {
  /** Which store keeps conversations. Default `memory` (in-process). */
  driver?: 'memory' | 'file' | 'redis' | 'database';
}
