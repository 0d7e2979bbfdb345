"""Local Cosmos DB server (@vercel/cosmosdb-server) and store fixtures."""
