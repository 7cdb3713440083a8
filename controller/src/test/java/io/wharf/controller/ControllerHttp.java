package io.wharf.controller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * GETs a controller's HTTP endpoint as a scraper or a health probe would, and reads unlabelled
 * samples out of a Prometheus text exposition. Thread-safe.
 */
final class ControllerHttp {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ControllerHttp() {
    }

    /** GET {@code path} on controller {@code node}'s endpoint. */
    static HttpResponse<String> get(ControllerNode node, String path) {
        URI uri = URI.create("http://127.0.0.1:" + node.metricsPort().orElseThrow() + path);
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during GET " + uri, e);
        }
    }

    /** The value of the sample {@code name} (no labels) in {@code node}'s {@code /metrics} now; throws when absent. */
    static double sample(ControllerNode node, String name) {
        HttpResponse<String> response = get(node, "/metrics");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/metrics answered " + response.statusCode() + ": " + response.body());
        }
        return value(response.body(), name).orElseThrow(
                () -> new AssertionError("no sample " + name + " in:\n" + response.body()));
    }

    /** The value of the unlabelled sample {@code name} in an exposition, if there is one. */
    static OptionalDouble value(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ")) {
                return OptionalDouble.of(Double.parseDouble(line.substring(name.length() + 1).trim()));
            }
        }
        return OptionalDouble.empty();
    }
}
