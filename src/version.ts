/** Vigil's release version, reported by `GET /v2` (kept equal to package.json's by a test). */
export const VIGIL_VERSION = '0.1.0';
