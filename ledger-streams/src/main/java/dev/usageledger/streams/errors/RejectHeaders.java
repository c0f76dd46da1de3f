package dev.usageledger.streams.errors;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers a rejected record carries on the rejected topic: why, and where it came from, so
 * it can be found, fixed and re-published. The original key and value are kept byte for byte.
 */
public final class RejectHeaders {
    public static final String REASON = "ledger.reject.reason";
    public static final String DETAIL = "ledger.reject.detail";
    public static final String SOURCE_TOPIC = "ledger.source.topic";
    public static final String SOURCE_PARTITION = "ledger.source.partition";
    public static final String SOURCE_OFFSET = "ledger.source.offset";

    private RejectHeaders() {
    }

    /** The original headers plus the rejection's. */
    public static Headers of(Headers original, String reason, String detail, String topic, int partition, long offset) {
        Headers headers = new RecordHeaders(original == null ? new RecordHeaders().toArray() : original.toArray());
        headers.add(REASON, bytes(reason));
        headers.add(DETAIL, bytes(detail.length() > 2_000 ? detail.substring(0, 2_000) : detail));
        headers.add(SOURCE_TOPIC, bytes(topic));
        headers.add(SOURCE_PARTITION, bytes(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, bytes(Long.toString(offset)));
        return headers;
    }

    private static byte[] bytes(String text) {
        return (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
    }
}
