package dev.usageledger.query;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Compacted topics the service creates itself when they are missing (with the broker's default
 * partitions and replication): tables it added after the first release, so that an upgrade does
 * not need a step of its own.
 */
public final class CompactedTopics {
    private CompactedTopics() {
    }

    /**
     * Creates those of {@code topics} that do not exist yet.
     *
     * @param what what the topics are, for the error that says how to create them by hand
     * @throws IllegalStateException when they cannot be listed or created
     */
    public static void ensure(Admin admin, List<String> topics, String what) {
        try {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, Optional.empty(), Optional.empty()).configs(Map.of("cleanup.policy", "compact"))).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the " + what + " topics " + topics + " (" + e.getCause() + "); create them"
                        + " (cleanup.policy=compact) or grant the service CreateTopics", e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("cannot list or create the " + what + " topics " + topics + ": " + e, e);
        }
    }
}
