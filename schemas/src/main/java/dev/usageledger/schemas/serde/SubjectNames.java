package dev.usageledger.schemas.serde;

/** Confluent's default {@code TopicNameStrategy}: {@code <topic>-key} and {@code <topic>-value}. */
public final class SubjectNames {
    private SubjectNames() {
    }

    /** The subject of a topic's keys or values. */
    public static String of(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
