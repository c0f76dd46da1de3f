package dev.usageledger.infra.embedded.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the topics of a table that are missing and checks the ones that exist. An existing
 * topic with fewer partitions than the table asks for is an error, never silently "fixed":
 * adding partitions would move tenants to other partitions and break per-tenant ordering.
 */
public final class TopicAdmin {
    private static final long TIMEOUT_SECONDS = 30;
    private static final long METADATA_BACKOFF_MS = 50;

    private TopicAdmin() {
    }

    /** Creates what is missing; returns the names it created. */
    public static List<String> ensure(Admin admin, Collection<TopicSpec> specs) {
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<NewTopic> missing = specs.stream()
                    .filter(spec -> !existing.contains(spec.name()))
                    .map(spec -> new NewTopic(spec.name(), Optional.of(spec.partitions()), Optional.empty())
                            .configs(spec.config()))
                    .toList();
            List<String> created = new ArrayList<>();
            if (!missing.isEmpty()) {
                for (var entry : admin.createTopics(missing).values().entrySet()) {
                    try {
                        entry.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        created.add(entry.getKey());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e; // someone else created it in between: fine; anything else is not
                        }
                    }
                }
            }
            checkPartitions(admin, specs);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ledger topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the ledger topics: " + e.getMessage()
                    + "; check bootstrap.servers and that the client may create topics", e);
        }
    }

    /**
     * Describes {@code names}, waiting until topics just created are known to the brokers and
     * every partition has a leader: creation is acknowledged before that, and a producer that
     * writes in between meets retriable errors it can mishandle.
     */
    private static Map<String, TopicDescription> describe(Admin admin, Set<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                boolean led = described.values().stream().allMatch(t -> t.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.isr().isEmpty()));
                if (led || System.nanoTime() > deadline) {
                    return described;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(METADATA_BACKOFF_MS);
        }
    }

    private static void checkPartitions(Admin admin, Collection<TopicSpec> specs)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicSpec> byName = specs.stream().collect(Collectors.toMap(TopicSpec::name, s -> s));
        Map<String, TopicDescription> described = describe(admin, byName.keySet());
        for (TopicDescription topic : described.values()) {
            int wanted = byName.get(topic.name()).partitions();
            if (topic.partitions().size() < wanted) {
                throw new IllegalStateException("topic " + topic.name() + " has " + topic.partitions().size()
                        + " partitions but the ledger is configured for " + wanted
                        + "; use the topic's partition count, or recreate the topic before any data is written");
            }
        }
    }
}
