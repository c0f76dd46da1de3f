package dev.usageledger.streams.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** How the stores below order string keys: by their UTF-8 bytes, unsigned. */
final class Keys {
    static final Comparator<String> BYTE_ORDER = (a, b) ->
            Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private Keys() {
    }
}
