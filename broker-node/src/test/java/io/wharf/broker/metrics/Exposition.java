package io.wharf.broker.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The samples and {@code # TYPE} lines of one Prometheus text exposition (format 0.0.4), parsed so
 * that tests can ask for a series by name and labels instead of searching the text. Immutable.
 */
public final class Exposition {

    /** One sample line: {@code name{label="value",...} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");

    private final List<Sample> samples;
    private final Map<String, String> types;

    private Exposition(List<Sample> samples, Map<String, String> types) {
        this.samples = List.copyOf(samples);
        this.types = Map.copyOf(types);
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming the first line that is neither a comment nor a sample
     */
    public static Exposition parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                types.put(type.group(1), type.group(2));
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            samples.add(new Sample(sample.group(1), labels(sample.group(2), line),
                    Double.parseDouble(sample.group(3))));
        }
        return new Exposition(samples, types);
    }

    /** What the {@code /metrics} endpoint on 127.0.0.1:{@code port} serves now, over HTTP; fails unless 200. */
    public static Exposition scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IOException("GET /metrics on port " + port + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return parse(response.body());
    }

    /** What {@code registry} would serve as text now. */
    public static Exposition scrape(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parse(out.toString(StandardCharsets.UTF_8));
    }

    /** The family's {@code # TYPE}, e.g. counter, gauge, histogram. */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** Every sample of that name whose labels include {@code labels} (given as name, value, ...). */
    public List<Sample> samples(String name, String... labels) {
        Map<String, String> wanted = pairs(labels);
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(wanted.entrySet())).toList();
    }

    /** The value of the one sample with exactly that name and those labels, if there is one. */
    public Optional<Double> value(String name, String... labels) {
        Map<String, String> wanted = pairs(labels);
        List<Double> found = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(wanted))
                .map(Sample::value).toList();
        if (found.size() > 1) {
            throw new IllegalStateException(found.size() + " samples of " + name + wanted);
        }
        return found.stream().findFirst();
    }

    private static Map<String, String> labels(String text, String line) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher label = LABEL.matcher(text);
        int end = 0;
        while (label.find() && label.start() == end) {
            labels.put(label.group(1), unescape(label.group(2)));
            end = label.end();
        }
        if (end != text.length()) {
            throw new IllegalArgumentException("malformed labels in: " + line);
        }
        return labels;
    }

    private static String unescape(String value) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char escaped = value.charAt(++i);
                text.append(escaped == 'n' ? '\n' : escaped);
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    private static Map<String, String> pairs(String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come as name, value pairs");
        }
        Map<String, String> pairs = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            pairs.put(labels[i], labels[i + 1]);
        }
        return pairs;
    }
}
