import { MissingPackageException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';

/**
 * Imports an optional peer dependency on first use. A missing package becomes a
 * `MissingPackageException` that names the install command.
 */
export async function loadPackage<T>(name: string, feature: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const missing = String((error as Error).message);
      if (missing.includes(`'${name}'`) || missing.includes(`"${name}"`) || missing.includes(name)) {
        throw new MissingPackageException(ErrorMessages.missingPackage(name, feature));
      }
    }
    throw error;
  }
}
