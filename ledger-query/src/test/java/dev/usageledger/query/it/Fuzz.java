package dev.usageledger.query.it;

import java.util.Random;

/** Malformed inputs made from valid ones: cut, flipped, retyped, nested, enlarged. */
final class Fuzz {
    private static final String[] JUNK = {"null", "true", "-1", "1e400", "9223372036854775808", "\"\"", "[]", "{}", "\"\\u0000\"",
            "\"\uD83D\uDCA5\"", "0.5", "\"*\"", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":{\"b\":{\"c\":{}}}}", "\"2026-13-45T99:00:00Z\""};

    private Fuzz() {
    }

    static String mutate(String valid, Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> valid.substring(0, random.nextInt(valid.length()));
            case 1 -> flip(valid, random);
            case 2 -> replaceValue(valid, random);
            case 3 -> "{" .repeat(1 + random.nextInt(2_000));
            case 4 -> valid.replaceFirst("\"[a-z_]+\":", "\"" + JUNK[random.nextInt(JUNK.length)].replace("\"", "") + "\":");
            case 5 -> JUNK[random.nextInt(JUNK.length)];
            default -> valid + valid;
        };
    }

    static String query(Random random) {
        String[] names = {"scope", "period", "time_zone", "at", "from", "to", "by", "limit", "page_token", "interval", "week_start"};
        String[] values = {"user:", ":x", "day", "month", "Europe/Nowhere", "2026-11-20T00:00:00Z", "-5", "%00", "zzzz", "MONDAY",
                "tenant:other", "1e9", ""};
        StringBuilder query = new StringBuilder();
        for (int i = random.nextInt(4); i >= 0; i--) {
            query.append(names[random.nextInt(names.length)]).append('=').append(values[random.nextInt(values.length)]).append('&');
        }
        return query.toString();
    }

    private static String flip(String valid, Random random) {
        char[] chars = valid.toCharArray();
        for (int i = 0; i < 1 + random.nextInt(5); i++) {
            chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
        }
        return new String(chars);
    }

    private static String replaceValue(String valid, Random random) {
        return valid.replaceFirst(":\\s*(\"[^\"]*\"|-?\\d+|true|false|\\[[^\\]]*\\])", ": " + JUNK[random.nextInt(JUNK.length)]);
    }
}
