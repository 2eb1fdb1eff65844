// The GraphQL-over-HTTP audit of the reference implementation (graphql-http), run against
// a live server: prints one JSON line per audit (id, name, status, reason). Every request
// carries the API key in BURNRATE_AUDIT_KEY (the server answers 401 to requests without one).
import { auditServer } from 'graphql-http';

const key = process.env.BURNRATE_AUDIT_KEY;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url: process.argv[2], fetchFn });
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }));
}
