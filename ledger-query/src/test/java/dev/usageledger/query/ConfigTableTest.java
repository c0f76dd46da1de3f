package dev.usageledger.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table is the one the config definitions generate. */
class ConfigTableTest {

    @Test
    void shouldKeepTheReadmeTableEqualToTheGeneratedOne() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("<!-- config:start -->\n");
        int end = readme.indexOf("<!-- config:end -->");
        assertThat(start).as("the README marks its configuration table").isNotNegative();

        String table = readme.substring(start + "<!-- config:start -->\n".length(), end);

        assertThat(table).as("regenerate it with ConfigTable.main").isEqualTo(ConfigTable.markdown());
        assertThat(table).contains("`ledger.http.port`", "`ledger.dedupe.horizon.ms`", "`bootstrap.servers`");
    }
}
