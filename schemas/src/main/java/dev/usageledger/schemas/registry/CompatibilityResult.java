package dev.usageledger.schemas.registry;

import java.util.List;

/** The registry's verdict on a candidate schema, with its reasons when incompatible. */
public record CompatibilityResult(boolean compatible, List<String> messages) {
    public CompatibilityResult {
        messages = List.copyOf(messages);
    }
}
