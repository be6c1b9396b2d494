package io.ringroute.ring;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The text form of a {@link TokenLayout}:
 * <pre>
 * ringroute-layout 1
 * version 7
 * tokens-per-unit 32
 * replicas 3
 * node cache-a weight=1.0 zone=eu-1a tokens=8000000000000000,c000000000000000
 * checksum 9f86d081...
 * </pre>
 * One node line per node in join order; tokens as 16 lower-case hex digits (the two's complement of the signed
 * token), ascending; ids and zones percent-encoded (UTF-8 bytes outside {@code A-Z a-z 0-9 - . _ ~ : @ /} as
 * {@code %XX}); the checksum is the SHA-256, lower-case hex, of every byte before the checksum line.
 */
final class LayoutText {

    static final String MAGIC = "ringroute-layout 1";

    private LayoutText() {
    }

    static String format(TokenLayout layout) {
        StringBuilder s = new StringBuilder();
        s.append(MAGIC).append('\n');
        s.append("version ").append(layout.version()).append('\n');
        s.append("tokens-per-unit ").append(layout.tokensPerUnit()).append('\n');
        s.append("replicas ").append(layout.replicas()).append('\n');
        long[][] tokens = layout.tokenArrays();
        HexFormat hex = HexFormat.of();
        for (int n = 0; n < tokens.length; n++) {
            Node node = layout.nodes().get(n);
            s.append("node ").append(encode(node.id())).append(" weight=").append(node.weight());
            if (node.zoneOrNull() != null) {
                s.append(" zone=").append(encode(node.zoneOrNull()));
            }
            s.append(" tokens=");
            for (int i = 0; i < tokens[n].length; i++) {
                s.append(i == 0 ? "" : ",").append(hex.toHexDigits(tokens[n][i]));
            }
            s.append('\n');
        }
        String body = s.toString();
        return body + "checksum " + checksum(body) + "\n";
    }

    static TokenLayout parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("layout text must not be null");
        }
        int cut = text.lastIndexOf("checksum ");
        if (cut < 0 || (cut > 0 && text.charAt(cut - 1) != '\n')) {
            throw new IllegalArgumentException("layout text has no checksum line");
        }
        String body = text.substring(0, cut);
        String given = text.substring(cut + "checksum ".length()).strip();
        String actual = checksum(body);
        if (!actual.equals(given)) {
            throw new IllegalArgumentException("layout checksum mismatch: the text says " + given
                    + " but its content hashes to " + actual + " (truncated or edited?)");
        }
        String[] lines = body.split("\n");
        if (lines.length < 4 || !lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("layout text must start with '" + MAGIC + "', found '"
                    + (lines.length == 0 ? "" : lines[0]) + "'");
        }
        long version = number(lines[1], "version");
        int perUnit = (int) number(lines[2], "tokens-per-unit");
        int replicas = (int) number(lines[3], "replicas");
        TokenLayout.empty(perUnit, replicas); // validates both
        List<Node> nodes = new ArrayList<>();
        List<long[]> tokens = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (int i = 4; i < lines.length; i++) {
            parseNode(lines[i], i + 1, nodes, tokens, seen);
        }
        return new TokenLayout(version, perUnit, replicas, nodes, tokens.toArray(new long[0][]));
    }

    private static void parseNode(String line, int lineNo, List<Node> nodes, List<long[]> tokens, Set<Long> seen) {
        String[] parts = line.split(" ");
        if (parts.length < 4 || !parts[0].equals("node")) {
            throw new IllegalArgumentException("layout line " + lineNo + " is not a node line: '" + shorten(line)
                    + "'");
        }
        Node.Builder b = Node.builder(decode(parts[1], lineNo));
        long[] t = null;
        for (int k = 2; k < parts.length; k++) {
            String p = parts[k];
            if (p.startsWith("weight=")) {
                b.weight(weight(p.substring(7), lineNo));
            } else if (p.startsWith("zone=")) {
                b.zone(decode(p.substring(5), lineNo));
            } else if (p.startsWith("tokens=")) {
                t = parseTokens(p.substring(7), lineNo, seen);
            } else {
                throw new IllegalArgumentException("layout line " + lineNo + ": unknown field '" + shorten(p) + "'");
            }
        }
        Node node = b.build();
        if (t == null || t.length == 0) {
            throw new IllegalArgumentException("layout line " + lineNo + ": node '" + node.id() + "' has no tokens");
        }
        if (nodes.stream().anyMatch(n -> n.id().equals(node.id()))) {
            throw new IllegalArgumentException("layout line " + lineNo + ": duplicate node id '" + node.id() + "'");
        }
        nodes.add(node);
        tokens.add(t);
    }

    private static long[] parseTokens(String list, int lineNo, Set<Long> seen) {
        String[] items = list.split(",");
        long[] t = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            if (items[i].length() != 16) {
                throw new IllegalArgumentException("layout line " + lineNo + ": token '" + shorten(items[i])
                        + "' is not 16 hex digits");
            }
            try {
                t[i] = HexFormat.fromHexDigitsToLong(items[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("layout line " + lineNo + ": token '" + items[i]
                        + "' is not 16 hex digits");
            }
            if (i > 0 && t[i] <= t[i - 1]) {
                throw new IllegalArgumentException("layout line " + lineNo + ": tokens are not ascending at "
                        + items[i]);
            }
            if (!seen.add(t[i])) {
                throw new IllegalArgumentException("layout line " + lineNo + ": token " + items[i]
                        + " belongs to two nodes");
            }
        }
        return t;
    }

    private static long number(String line, String name) {
        if (line.startsWith(name + " ")) {
            try {
                return Long.parseLong(line.substring(name.length() + 1));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("layout text: expected '" + name + " <integer>', found '"
                + shorten(line) + "'");
    }

    private static double weight(String s, int lineNo) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layout line " + lineNo + ": weight '" + shorten(s)
                    + "' is not a number");
        }
    }

    static String checksum(String body) {
        return HexFormat.of().formatHex(TokenLayout.sha256().digest(body.getBytes(StandardCharsets.UTF_8)));
    }

    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            boolean plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || "-._~:@/".indexOf(c) >= 0;
            if (plain) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    static String decode(String s, int lineNo) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("layout line " + lineNo + ": bad escape in '" + shorten(s) + "'");
                }
                try {
                    out.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("layout line " + lineNo + ": bad escape in '" + shorten(s)
                            + "'");
                }
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
