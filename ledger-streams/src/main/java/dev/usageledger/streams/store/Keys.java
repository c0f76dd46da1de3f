package dev.usageledger.streams.store;

import java.util.Comparator;

/**
 * How the stores below order string keys: by their UTF-8 bytes, unsigned, which is the order of
 * their code points; compared here without encoding them.
 */
final class Keys {
    static final Comparator<String> BYTE_ORDER = Keys::compare;

    private Keys() {
    }

    private static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
