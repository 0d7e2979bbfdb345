// The local Cosmos DB server as the tests run it (tests/js/cosmosdb_server.js), for the benchmark, with
// one difference that matters once the store holds thousands of projects: @vercel/cosmosdb-server 1.0.1
// evaluates every query over every document of the container, where Azure Cosmos DB reads only the
// partition the query names. Every query the bot makes names its partition (`c.projectId = @projectId`,
// store/cosmos.py), so here a query first keeps that partition's documents, then runs as before: the
// scale phase then measures the bot and its store calls, not the emulator scanning 300,000 documents.
//   node bench/cosmosdb_server.js --port 0 --host 127.0.0.1
const path = require("path");
const lib = path.join(path.dirname(require.resolve("@vercel/cosmosdb-server/package.json")), "lib");
const Items = require(path.join(lib, "account", "items.js")).default;
const query = Items.prototype.query;
Items.prototype.query = function partitionScoped(params, options) {
  const key = (params.parameters || []).find((p) => p.name === "@projectId");
  if (!key) return query.call(this, params, options);
  const all = this._data;
  this._data = new Map([...all].filter(([, item]) => (item.read() || {}).projectId === key.value));
  try {
    return query.call(this, params, options); // synchronous: nothing else sees the narrowed map
  } finally {
    this._data = all;
  }
};
require(path.join(__dirname, "..", "tests", "js", "cosmosdb_server.js"));
