package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is what {@link ConfigurationPage} renders from the key definitions; with
 * {@code -Dwharf.regenerate.docs=true} this test rewrites it instead of failing.
 */
class ConfigurationDocTest {

    private static final Path PAGE = Path.of("..", "docs", "configuration.md");

    @Test
    void theCommittedPageIsWhatTheDefinitionsRender() throws IOException {
        String committed = Files.readString(PAGE, StandardCharsets.UTF_8);
        String rendered = ConfigurationPage.render(committed);
        if (Boolean.getBoolean("wharf.regenerate.docs")) {
            Files.writeString(PAGE, rendered, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(rendered, committed, "docs/configuration.md is stale; regenerate it with: "
                + ConfigurationPage.REGENERATE);
    }

    @Test
    void thePageKeepsItsHandWrittenTextAndNeedsItsMarkers() {
        String page = "intro\n" + ConfigurationPage.BEGIN + "old\n" + ConfigurationPage.END + "clients\n";
        String rendered = ConfigurationPage.render(page);
        assertTrue(rendered.startsWith("intro\n" + ConfigurationPage.BEGIN + "## Controller"), rendered);
        assertTrue(rendered.endsWith(ConfigurationPage.END + "clients\n"), rendered);
        assertTrue(rendered.contains("| `log.retention.ms` | long | `604800000` | -1 to 9223372036854775807 | no |"),
                rendered);
        assertThrows(IllegalArgumentException.class, () -> ConfigurationPage.render("no markers"));
    }
}
