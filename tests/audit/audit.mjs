// The GraphQL-over-HTTP audit of the reference implementation (graphql-http), run against
// a live server: prints one JSON line per audit (id, name, status, reason).
import { auditServer } from 'graphql-http';

const results = await auditServer({ url: process.argv[2], fetchFn: fetch });
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }));
}
