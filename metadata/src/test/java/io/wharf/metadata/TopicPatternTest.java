package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TopicPatternTest {

    @Test
    void rabbitMqExamples() {
        assertTrue(TopicPattern.matches("a.#", "a"));
        assertFalse(TopicPattern.matches("a.*", "a"));
        assertTrue(TopicPattern.matches("#", ""));
        assertTrue(TopicPattern.matches("#", "a.b.c"));
        assertFalse(TopicPattern.matches("*", ""));
        assertTrue(TopicPattern.matches("", ""));
        assertFalse(TopicPattern.matches("", "a"));
        assertTrue(TopicPattern.matches("*.orange.*", "quick.orange.rabbit"));
        assertTrue(TopicPattern.matches("lazy.#", "lazy.orange.male.rabbit"));
        assertFalse(TopicPattern.matches("*.*.rabbit", "quick.orange.male.rabbit"));
        assertTrue(TopicPattern.matches("#.#", "a"));
        assertTrue(TopicPattern.matches("a.#.b", "a.b"));
        assertTrue(TopicPattern.matches("a.*", "a."), "an empty word is a word");
    }

    /** Compares the matcher with a regular expression built from the pattern, on random words and patterns. */
    @Test
    void agreesWithARegexReference() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            for (int i = 0; i < 2000; i++) {
                String pattern = key(random, List.of("a", "b", "*", "#", ""));
                String routingKey = key(random, List.of("a", "b", "c", ""));
                assertEquals(reference(pattern, routingKey), TopicPattern.matches(pattern, routingKey),
                        () -> "pattern '" + pattern + "' key '" + routingKey + "'");
            }
        }
    }

    private static String key(Random random, List<String> alphabet) {
        int words = random.nextInt(6);
        List<String> chosen = new ArrayList<>();
        for (int w = 0; w < words; w++) {
            // empty words only now and then, as in real keys
            String word = alphabet.get(random.nextInt(alphabet.size()));
            chosen.add(word.isEmpty() && random.nextInt(4) != 0 ? "a" : word);
        }
        return String.join(".", chosen);
    }

    /**
     * Each word w of a key as ".w" (the empty key: nothing); a pattern word as "\.w", '*' as one
     * "\.[^.]*" and '#' as any number of them.
     */
    private static boolean reference(String pattern, String routingKey) {
        StringBuilder regex = new StringBuilder();
        for (String word : TopicPattern.words(pattern)) {
            regex.append(switch (word) {
                case "*" -> "\\.[^.]*";
                case "#" -> "(?:\\.[^.]*)*";
                default -> "\\." + Pattern.quote(word);
            });
        }
        StringBuilder dotted = new StringBuilder();
        for (String word : TopicPattern.words(routingKey)) {
            dotted.append('.').append(word);
        }
        return Pattern.matches(regex.toString(), dotted);
    }
}
