package dev.usageledger.streams.state;

/** Pieces the stores' string keys are made of. */
final class KeyParts {
    /** Between the parts of a key: sorts before every character a part can hold. */
    static final char SEP = '\u0000';

    private KeyParts() {
    }

    /** An instant as 16 hex digits that sort as the instants do (offset so negative ones sort first too). */
    static String sortable(long epochMillis) {
        return String.format("%016x", epochMillis ^ Long.MIN_VALUE);
    }
}
