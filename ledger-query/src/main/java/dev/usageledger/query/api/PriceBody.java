package dev.usageledger.query.api;

import dev.usageledger.streams.decision.InvalidInputException;
import dev.usageledger.schemas.avro.PriceChange;
import java.time.Instant;

/**
 * The body of {@code PUT /v1/prices/{provider}/{model}}: one entry of the model's price history,
 * in micro-units per one million tokens. A missing cached-input price is the input price.
 */
public record PriceBody(String effectiveFrom, String currency, Long inputMicrosPerMtok, Long cachedInputMicrosPerMtok,
                        Long outputMicrosPerMtok) {

    public PriceChange toPriceChange(String provider, String model) {
        Fields.requireId("provider", provider);
        Fields.requireId("model", model);
        Instant from = Fields.instant("effective_from", effectiveFrom);
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw new InvalidInputException("currency", "currency must be an ISO 4217 code such as USD, got '" + currency + "'");
        }
        long input = Fields.requireNonNegative("input_micros_per_mtok", inputMicrosPerMtok);
        long cached = cachedInputMicrosPerMtok == null ? input
                : Fields.requireNonNegative("cached_input_micros_per_mtok", cachedInputMicrosPerMtok);
        long output = Fields.requireNonNegative("output_micros_per_mtok", outputMicrosPerMtok);
        return PriceChange.newBuilder().setProvider(provider).setModel(model).setEffectiveFrom(from).setCurrency(currency)
                .setInputMicrosPerMtok(input).setCachedInputMicrosPerMtok(cached).setOutputMicrosPerMtok(output).build();
    }
}
