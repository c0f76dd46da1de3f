package dev.usageledger.schemas.validation;

/**
 * Why a usage event is invalid: the field, the value found, a stable reason code (written to
 * the rejected topic and counted in metrics) and a sentence for people.
 */
public record Violation(String field, String value, String reason, String message) {
}
