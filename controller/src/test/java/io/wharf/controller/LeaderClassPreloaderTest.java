package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeaderClassPreloaderTest {

    @Test
    void theShippedListNamesRatisLeaderClassesThatExist() {
        LeaderClassPreloader preloader = LeaderClassPreloader.fromResource();
        int loaded = preloader.preload();
        assertTrue(preloader.size() > 50, "the list looks truncated: " + preloader.size() + " classes");
        // A list recorded against another Ratis version loses its value: most names must still resolve.
        assertTrue(loaded >= preloader.size() * 9 / 10,
                "only " + loaded + " of " + preloader.size() + " listed classes exist; record the list again");
        assertTrue(classIsListed("org.apache.ratis.server.impl.LeaderStateImpl"));
    }

    @Test
    void unknownNamesAreSkippedNotFatal() {
        LeaderClassPreloader preloader = new LeaderClassPreloader(getClass().getClassLoader(),
                List.of("io.wharf.controller.NoSuchClass", "java.util.ArrayList"));
        assertEquals(1, preloader.preload());
    }

    private static boolean classIsListed(String name) {
        try (var in = LeaderClassPreloader.class.getResourceAsStream(LeaderClassPreloader.RESOURCE)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().anyMatch(name::equals);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
