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
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Topics the service creates itself when they are missing: ones it added after the first
 * release, so that an upgrade does not need a step of its own, and the webhook tables.
 */
public final class MissingTopics {
    private static final Map<String, String> COMPACT = Map.of("cleanup.policy", "compact");

    private MissingTopics() {
    }

    /** A compacted topic with the broker's default partitions and replication. */
    public static NewTopic compacted(String name) {
        return new NewTopic(name, Optional.empty(), Optional.empty()).configs(COMPACT);
    }

    /** A topic of one partition (the broker's default replication) with these settings. */
    public static NewTopic single(String name, Map<String, String> configs) {
        return new NewTopic(name, Optional.of(1), Optional.empty()).configs(configs);
    }

    /**
     * Waits until the brokers' metadata has the new topics: a client that looks one up at once
     * (a global store's consumer, as the service starts) would otherwise find no partitions.
     */
    private static void awaitVisible(Admin admin, List<String> names) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() - deadline > 0) {
                    throw new TimeoutException("the topics " + names + " were created but are not in the brokers' metadata: " + e.getCause());
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Creates those of {@code wanted} that do not exist yet.
     *
     * @param what what the topics are, for the error that says how to create them by hand
     * @throws IllegalStateException when they cannot be listed or created
     */
    public static void ensure(Admin admin, List<NewTopic> wanted, String what) {
        List<String> names = wanted.stream().map(NewTopic::name).toList();
        try {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                awaitVisible(admin, missing.stream().map(NewTopic::name).toList());
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the " + what + " topics " + names + " (" + e.getCause() + "); create them"
                        + " (README.md, Topics) or grant the service CreateTopics", e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("cannot list or create the " + what + " topics " + names + ": " + e, e);
        }
    }
}
