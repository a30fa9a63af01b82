/** Internal injection tokens: never re-exported from the package. */
export const ENGINE_DRIVERS = Symbol('BUPPLE_ENGINE_DRIVERS');
