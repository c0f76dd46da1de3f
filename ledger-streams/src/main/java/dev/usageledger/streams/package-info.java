/**
 * The ledger's streams module (see DESIGN.md, "Modules"). Its code lands with its own issue; the
 * module exists now so that the build, the dependency directions and CI are in place.
 */
package dev.usageledger.streams;
