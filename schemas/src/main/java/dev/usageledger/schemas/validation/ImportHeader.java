package dev.usageledger.schemas.validation;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * The header that marks a usage record as imported history: {@code ledger-import}, its value the
 * import's name (UTF-8). An imported event is counted in its own period whatever its age, as long as
 * the ledger keeps that period's reports ({@code ledger.retention.day.ms}); a live event older than
 * the late grace is not. The producer library's {@code publishHistory} and {@code ledger import} set
 * it; any Kafka client may.
 */
public final class ImportHeader {
    public static final String NAME = "ledger-import";

    private ImportHeader() {
    }

    /** Whether the record's headers mark it as imported. */
    public static boolean isImport(Headers headers) {
        return headers != null && headers.lastHeader(NAME) != null;
    }

    /** The header's value for the import {@code name}. */
    public static byte[] value(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
