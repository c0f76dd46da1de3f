package dev.usageledger.streams.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.registry.SchemaRegistryException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RejectingProcessingExceptionHandlerTest {
    private final RejectingProcessingExceptionHandler handler = new RejectingProcessingExceptionHandler();
    private final Record<String, String> record = new Record<>("acme", "event", 1L);

    @BeforeEach
    void configure() {
        handler.configure(Map.of(RejectingProcessingExceptionHandler.REJECTED_TOPIC_CONFIG, "rejected"));
    }

    @Test
    void shouldSetAnUncountableEventAsideWithTheReasonItNames() {
        Response response = handler.handleError(context(), record,
                new UncountableEventException("amount_overflow", "event e1 cannot be counted", new ArithmeticException()));

        assertThat(response.result()).isEqualTo(Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("rejected");
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("raw-value");
            assertThat(header(r.headers(), RejectHeaders.REASON)).isEqualTo("amount_overflow");
            assertThat(header(r.headers(), RejectHeaders.DETAIL)).isEqualTo("event e1 cannot be counted");
        });
    }

    @Test
    void shouldFailTheTaskWhenARecordsChangesWerePartlyMade() {
        Response response = handler.handleError(context(), record,
                new RuntimeException("wrapped", new PartialWriteException(3, 20, new IllegalStateException("disk full"))));

        assertThat(response.result()).as("continuing would commit part of the record").isEqualTo(Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void shouldFailTheTaskOnATransientFailureAndRejectAnythingElse() {
        assertThat(handler.handleError(context(), record, new SchemaRegistryException("http://registry:8081", "registry down", new java.io.IOException("refused"))).result())
                .isEqualTo(Result.FAIL);
        assertThat(handler.handleError(context(), record, new IllegalStateException("bug")).result()).isEqualTo(Result.RESUME);
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            public String topic() {
                return "ledger.usage.v1";
            }

            public int partition() {
                return 0;
            }

            public long offset() {
                return 42;
            }

            public Headers headers() {
                return new RecordHeaders();
            }

            public String processorNodeId() {
                return "count";
            }

            public TaskId taskId() {
                return new TaskId(0, 0);
            }

            public long timestamp() {
                return 1L;
            }

            public byte[] sourceRawKey() {
                return "acme".getBytes(StandardCharsets.UTF_8);
            }

            public byte[] sourceRawValue() {
                return "raw-value".getBytes(StandardCharsets.UTF_8);
            }
        };
    }
}
