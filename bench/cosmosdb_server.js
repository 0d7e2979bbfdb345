// The local Cosmos DB server for the benchmark: @vercel/cosmosdb-server with the same repair as
// tests/js/cosmosdb_server.js (a point read of a missing document answers 404, not 500), but with the
// package's own keepAlive option on. The tests' server answers every request with "connection: close",
// so each store call pays a new TLS handshake (on both sides); Azure Cosmos DB keeps connections open.
// The benchmark runs both and reports which is which.
//   node bench/cosmosdb_server.js --port 0 --host 127.0.0.1
const path = require("path");
const lib = path.join(path.dirname(require.resolve("@vercel/cosmosdb-server/package.json")), "lib");
const handler = require(path.join(lib, "handler", "read-document.js"));
const original = handler.default;
handler.default = (account, req, res, params) => {
  try {
    return original(account, req, res, params);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const host = option("--host", "127.0.0.1");
const { createHttpsServer } = require(lib);
const server = createHttpsServer({ keepAlive: true }).listen(parseInt(option("--port", "0"), 10), host, () => {
  console.log(`Ready to accept HTTPS connections at ${host}:${server.address().port}`);
});
