// Usage:
//   node client.mjs URL KEY AFTER COUNT   subscribe to `changes` after the cursor AFTER
//                                         ("" for none) and print the first COUNT events
//   node client.mjs URL KEY               connect only, and print how the server closed
// Prints one JSON object on standard output.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, key, after, count] = process.argv.slice(2);
const query = `subscription ($after: String) {
  changes(after: $after) { sequence operation recordId recordType cursor node { ... on Defender { name } } }
}`;

let closed = null;
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${key}` },
  lazy: false,
  retryAttempts: 0,
  on: { closed: (event) => { closed = { code: event.code, reason: event.reason }; } },
});

const timeout = setTimeout(() => {
  console.log(JSON.stringify({ error: 'timed out', closed }));
  process.exit(2);
}, 20000);

if (count === undefined) {
  // Connecting alone: wait for the server to acknowledge or close.
  await new Promise((resolve) => {
    client.on('connected', () => resolve());
    client.on('closed', () => resolve());
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  console.log(JSON.stringify({ closed }));
} else {
  const events = [];
  const wanted = Number(count);
  await new Promise((resolve, reject) => {
    client.subscribe(
      { query, variables: { after: after === '' ? null : after } },
      {
        next: (result) => {
          events.push(result);
          if (events.length === wanted) resolve();
        },
        error: (error) => reject(error),
        complete: () => resolve(),
      },
    );
  }).catch((error) => {
    console.log(JSON.stringify({ error: String(error?.reason ?? error?.message ?? error), closed }));
    process.exit(1);
  });
  console.log(JSON.stringify({ events }));
}
clearTimeout(timeout);
await client.dispose();
process.exit(0);
