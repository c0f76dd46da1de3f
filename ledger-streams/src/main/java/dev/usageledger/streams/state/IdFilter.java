package dev.usageledger.streams.state;

/**
 * A Bloom filter over strings: {@link #mightContain} is false only for a string never
 * {@linkplain #add added}, and true for about 1 % of the others at its capacity (10 bits and 7
 * probes per string). It lets the dedupe step skip its store read for an event id it has
 * certainly not seen, which is nearly every id.
 */
final class IdFilter {
    private static final int BITS_PER_ID = 10;
    private static final int PROBES = 7;

    private final long[] bits;
    private final long bitCount;
    private final long capacity;
    private long added;

    IdFilter(long capacity) {
        this.capacity = Math.max(1, capacity);
        long wanted = Math.max(64, this.capacity * BITS_PER_ID);
        this.bits = new long[(int) Math.min(Integer.MAX_VALUE - 8, (wanted + 63) / 64)];
        this.bitCount = (long) bits.length * 64;
    }

    void add(String id) {
        long h1 = hash(id);
        long h2 = mix(h1 ^ 0xC2B2AE3D27D4EB4FL) | 1;
        for (int i = 0; i < PROBES; i++) {
            long bit = Math.floorMod(h1 + i * h2, bitCount);
            bits[(int) (bit >>> 6)] |= 1L << bit;
        }
        added++;
    }

    boolean mightContain(String id) {
        long h1 = hash(id);
        long h2 = mix(h1 ^ 0xC2B2AE3D27D4EB4FL) | 1;
        for (int i = 0; i < PROBES; i++) {
            long bit = Math.floorMod(h1 + i * h2, bitCount);
            if ((bits[(int) (bit >>> 6)] & 1L << bit) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether more strings were added than it was sized for: false positives grow past 1 %. */
    boolean full() {
        return added > capacity;
    }

    long added() {
        return added;
    }

    /**
     * A 64-bit hash of the string's chars (a multiply-xorshift mix per char, then a finaliser). The
     * second probe step is derived from it ({@link #mix}), so a string is read once per call: two ids
     * share both only if they share this hash.
     */
    private static long hash(String s) {
        long h = 0x9E3779B97F4A7C15L ^ s.length();
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0xff51afd7ed558ccdL;
            h ^= h >>> 29;
        }
        return mix(h);
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
