package dev.usageledger.streams.state;

import java.util.HexFormat;

/** Pieces the stores' string keys are made of. */
final class KeyParts {
    /** Between the parts of a key: sorts before every character a part can hold. */
    static final char SEP = '\u0000';

    private KeyParts() {
    }

    private static final HexFormat HEX = HexFormat.of();

    /** An instant as 16 lower-case hex digits that sort as the instants do (offset so negative ones sort first too). */
    static String sortable(long epochMillis) {
        return HEX.toHexDigits(epochMillis ^ Long.MIN_VALUE); // not String.format: this is on every hold's path
    }
}
