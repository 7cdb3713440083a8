package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailoverSummaryTest {

    private static FailoverTrial trial(int n, double ms) {
        return new FailoverTrial(n, ms, "controller-1", "controller-2", "2026-11-24T21:00:00.000");
    }

    @Test
    void minMedianMaxOfOddAndEvenCounts() {
        FailoverSummary odd = FailoverSummary.of(List.of(trial(1, 300), trial(2, 120.5), trial(3, 800)));
        assertEquals(120.5, odd.minMs());
        assertEquals(300, odd.medianMs());
        assertEquals(800, odd.maxMs());

        FailoverSummary even = FailoverSummary.of(List.of(trial(1, 100), trial(2, 400), trial(3, 200), trial(4, 301)));
        assertEquals(250.5, even.medianMs());
        assertThrows(IllegalArgumentException.class, () -> FailoverSummary.of(List.of()));
    }

    @Test
    void jsonHasTheIssuesKeys() throws Exception {
        JsonNode json = new ObjectMapper().valueToTree(FailoverSummary.of(List.of(trial(1, 210), trial(2, 190))));

        assertEquals(List.of("trials", "min_ms", "median_ms", "max_ms"), fieldNames(json));
        assertEquals(List.of("trial", "ms", "killed", "new_leader", "killed_at"), fieldNames(json.get("trials").get(0)));
        assertEquals(200.0, json.get("median_ms").asDouble());
        assertEquals("controller-2", json.get("trials").get(1).get("new_leader").asText());
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
