// Runs @vercel/cosmosdb-server (a local server speaking the Cosmos DB REST protocol) for tests,
// the benchmark and local development. Version 1.0.1 answers a point read of a missing document
// with a 500 ("Cannot read properties of undefined") where Azure Cosmos DB answers 404; this
// repairs that one handler, then serves the package's server, e.g.
//   node tests/js/cosmosdb_server.js --port 8081 --host 127.0.0.1
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
// The package's CLI answers every request with "connection: close", so each call would pay a new
// TLS handshake; this server keeps connections open, as Azure Cosmos DB does.
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const host = option("--host", "127.0.0.1");
const { createHttpsServer } = require(lib);
const server = createHttpsServer({ keepAlive: true }).listen(parseInt(option("--port", "0"), 10), host, () => {
  console.log(`Ready to accept HTTPS connections at ${host}:${server.address().port}`);
});
