package dev.usageledger.schemas.serde;

import dev.usageledger.schemas.registry.RegistryClientConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of {@link AvroSerde}: the registry client's keys plus how schemas are registered. */
public final class AvroSerdeConfig extends AbstractConfig {

    public static final String AUTO_REGISTER_CONFIG = "auto.register.schemas";
    private static final String AUTO_REGISTER_DOC = "Register the writer's schema under the topic's subject "
            + "when it is not there yet. When false the schema must already be registered (the registry's "
            + "answer is looked up, and a missing schema fails the write).";

    private static final ConfigDef CONFIG = RegistryClientConfig.addTo(new ConfigDef())
            .define(AUTO_REGISTER_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, AUTO_REGISTER_DOC);

    public AvroSerdeConfig(Map<?, ?> props) {
        super(CONFIG, props);
    }

    /** The documented keys, for the README's configuration table. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    public boolean autoRegister() {
        return getBoolean(AUTO_REGISTER_CONFIG);
    }
}
