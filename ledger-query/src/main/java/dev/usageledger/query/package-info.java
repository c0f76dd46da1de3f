/**
 * The ledger's service process: it runs the topology ({@link dev.usageledger.query.LedgerService}
 * owns the lifecycle) and answers the HTTP API of DESIGN.md from the local state, routing a
 * tenant's requests to the instance that owns the tenant's partition.
 */
package dev.usageledger.query;
