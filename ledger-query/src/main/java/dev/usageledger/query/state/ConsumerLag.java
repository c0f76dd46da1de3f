package dev.usageledger.query.state;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/** A Kafka Streams application's lag on one partition of a topic, as its consumer measured it at its last fetch. */
final class ConsumerLag {
    private ConsumerLag() {
    }

    /** Records of {@code topic}'s {@code partition} not read yet; -1 when the partition is not consumed here. */
    static long of(KafkaStreams streams, String topic, int partition) {
        if (streams == null) {
            return -1;
        }
        String wanted = Integer.toString(partition);
        for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if (name.name().equals("records-lag") && topic.equals(name.tags().get("topic"))
                    && wanted.equals(name.tags().get("partition")) && metric.getValue().metricValue() instanceof Number lag) {
                return Math.max(0, lag.longValue());
            }
        }
        return -1;
    }
}
