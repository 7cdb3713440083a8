package io.wharf.metadata;

import java.util.List;

/**
 * RabbitMQ's topic-exchange match of a binding key against a routing key. Both are words separated
 * by '.' (the empty key has no words; "a..b" has an empty middle word). In the binding key '*'
 * matches exactly one word and '#' zero or more, so "a.#" matches "a", "a.*" does not, and "#"
 * matches every key including "". Stateless.
 */
public final class TopicPattern {

    private TopicPattern() {
    }

    /** True when {@code routingKey} matches the binding key {@code pattern}. */
    public static boolean matches(String pattern, String routingKey) {
        List<String> p = words(pattern);
        List<String> k = words(routingKey);
        // reachable[j]: the pattern's first i words can match the key's first j words (i grows per round)
        boolean[] reachable = new boolean[k.size() + 1];
        reachable[0] = true;
        for (String word : p) {
            boolean[] next = new boolean[k.size() + 1];
            if (word.equals("#")) {
                boolean any = false;
                for (int j = 0; j <= k.size(); j++) {
                    any |= reachable[j];
                    next[j] = any;
                }
            } else {
                for (int j = 1; j <= k.size(); j++) {
                    next[j] = reachable[j - 1] && (word.equals("*") || word.equals(k.get(j - 1)));
                }
            }
            reachable = next;
        }
        return reachable[k.size()];
    }

    /** The words of a key: none for "", otherwise split at every '.' keeping empty words. */
    static List<String> words(String key) {
        return key.isEmpty() ? List.of() : List.of(key.split("\\.", -1));
    }
}
