// Bindings the Worker tests add to the Workers' own (generated in src/*.gen.d.ts; these from vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    ADMIN_TOKEN: string;
    PII_HASH_KEY: string;
  }
}

// Test fixtures read as text (Vite's ?raw suffix).
declare module '*?raw' {
  const text: string;
  export default text;
}
