import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations for D1 into migrations/, which wrangler applies
// (`wrangler d1 migrations apply vigil --local` on npm start, `--remote` before a deploy).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
});
