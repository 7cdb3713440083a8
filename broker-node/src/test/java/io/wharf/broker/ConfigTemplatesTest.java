package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.config.ConfigKey;
import io.wharf.config.ConfigKeySet;
import io.wharf.controller.ControllerConfigKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The commented templates deploy/config/*.properties stay hand-written (grouped, with the local
 * cluster's values) but agree with the key definitions: every key and only those, each with a
 * comment that gives its default as defined (or says it is required), and a commented-out example
 * line showing that default.
 */
class ConfigTemplatesTest {

    private static final Pattern KEY_LINE = Pattern.compile("^(#?)([a-z][a-z.]*)=(.*)$");
    private static final Pattern DEFAULTS = Pattern.compile("Defaults: (.*)$");

    @Test
    void theControllerTemplateAgreesWithTheDefinitions() throws IOException {
        assertAgrees(ControllerConfigKeys.SET, Path.of("..", "deploy", "config", "controller.properties"));
    }

    @Test
    void theBrokerTemplateAgreesWithTheDefinitions() throws IOException {
        assertAgrees(BrokerConfigKeys.SET, Path.of("..", "deploy", "config", "broker.properties"));
    }

    private static void assertAgrees(ConfigKeySet keys, Path template) throws IOException {
        Map<String, Documented> documented = parse(Files.readAllLines(template));
        documented.keySet().removeIf(name -> keys.passThroughPrefix().filter(name::startsWith).isPresent());
        assertEquals(new TreeSet<>(keys.keys().stream().map(ConfigKey::name).toList()),
                new TreeSet<>(documented.keySet()), template + " lists exactly the defined keys");
        for (ConfigKey key : keys.keys()) {
            Documented doc = documented.get(key.name());
            assertFalse(doc.comment().isBlank(), key.name() + " has no comment in " + template);
            if (key.required()) {
                assertTrue(doc.comment().contains("Required"), key.name() + " is required: " + doc.comment());
            } else if (doc.sharedWith().size() == 1) {
                String expected = key.defaultValue().map(value -> value.isEmpty() ? "\"\"" : value)
                        .orElse(key.defaultText());
                assertTrue(doc.comment().contains("Default: " + expected),
                        key.name() + " should say 'Default: " + expected + "' in " + template + ": " + doc.comment());
            } else {
                Matcher defaults = DEFAULTS.matcher(doc.comment());
                assertTrue(defaults.find(), key.name() + " shares a comment without 'Defaults:' in " + template);
                List<String> listed = List.of(defaults.group(1).split("[ ,/]+"));
                assertEquals(key.defaultValue().orElseThrow(), listed.get(doc.sharedWith().indexOf(key.name())),
                        key.name() + " in " + template + ": " + doc.comment());
            }
            if (doc.commentedOut() && key.defaultValue().isPresent()) {
                assertEquals(key.defaultValue().get(), doc.value(), "#" + key.name() + "= in " + template);
            }
        }
    }

    /** Each key line with the comment block right above it (shared by consecutive key lines). */
    private static Map<String, Documented> parse(List<String> lines) {
        Map<String, Documented> documented = new LinkedHashMap<>();
        StringBuilder comment = new StringBuilder();
        List<String> group = new ArrayList<>();
        for (String line : lines) {
            Matcher key = KEY_LINE.matcher(line);
            if (key.matches()) {
                group.add(key.group(2));
                documented.put(key.group(2), new Documented(comment.toString().strip(), group,
                        !key.group(1).isEmpty(), key.group(3)));
            } else if (line.startsWith("#")) {
                if (!group.isEmpty()) {
                    comment.setLength(0);
                    group = new ArrayList<>();
                }
                comment.append(' ').append(line.substring(1).strip());
            } else {
                comment.setLength(0);
                group = new ArrayList<>();
            }
        }
        return documented;
    }

    /** A key as its template documents it; {@code sharedWith} lists every key under the same comment, in order. */
    private record Documented(String comment, List<String> sharedWith, boolean commentedOut, String value) {
    }
}
