package dev.usageledger.cli;

import dev.usageledger.query.ConfigSources;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a ledger command reads its settings, the same for {@code serve}, {@code audit} and
 * {@code produce}: the defaults of the config definitions, then {@code --config FILE}, then the
 * environment, then {@code --set} and the command's own flags (see {@link ConfigSources}). An
 * environment variable that is not a setting is named on standard error and ignored; an unknown
 * key in the file or the flags stops the command.
 */
public final class SettingsOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file of settings; every ledger command reads the same file the same way.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Any setting, e.g. --set ledger.late.grace.ms=86400000 or --set streams.security.protocol=SASL_SSL.")
    Map<String, String> settings = new LinkedHashMap<>();

    /**
     * The settings, with {@code flags} (the command's own options by key; null when not given)
     * over {@code --set}.
     *
     * @throws IllegalArgumentException naming an unknown key, or a file that cannot be read
     */
    public Map<String, Object> read(Map<String, String> environment, Map<String, ?> flags, String command, PrintWriter err) {
        Map<String, String> given = new HashMap<>(settings);
        flags.forEach((key, value) -> {
            if (value != null) {
                given.put(key, value.toString());
            }
        });
        Map<String, Object> read = ConfigSources.layered(configFile, environment, given, warning -> err.println(command + ": " + warning));
        err.flush();
        return read;
    }

    /** Says why the settings were refused and where they are listed; returns the exit status of a usage error. */
    public static int refuse(String command, RuntimeException error, PrintWriter err) {
        err.println(command + ": " + error.getMessage());
        err.println(command + ": see ./" + command + " --help and the configuration table in README.md");
        err.flush();
        return 2;
    }
}
