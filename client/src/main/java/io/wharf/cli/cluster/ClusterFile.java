package io.wharf.cli.cluster;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes {@code <base>/cluster.json}, the topology of the local cluster in a directory.
 * Reading, which nearly every CLI call does, uses Jackson's streaming parser: building an
 * {@code ObjectMapper} and having it introspect the record took a short call tens of milliseconds
 * (docs/decisions/cli-class-data-sharing.md). Stateless.
 */
public final class ClusterFile {

    public static final String NAME = "cluster.json";
    private static final JsonFactory PARSERS = new JsonFactory();

    private ClusterFile() {
    }

    /** The topology stored under {@code baseDir}; empty when no cluster was set up there. */
    public static Optional<ClusterTopology> read(Path baseDir) {
        Path file = baseDir.resolve(NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (JsonParser parser = PARSERS.createParser(file.toFile())) {
            return Optional.of(parse(parser));
        } catch (IOException | IllegalArgumentException e) {
            throw new LocalClusterException(file + " is not a readable cluster description (" + e.getMessage()
                    + "); delete the directory to start afresh", e);
        }
    }

    /** The fields {@link ClusterTopology}'s constructor takes; others ({@code nodes}, derived) are skipped. */
    private static ClusterTopology parse(JsonParser parser) throws IOException {
        expect(parser, parser.nextToken(), JsonToken.START_OBJECT);
        String host = null;
        int portBase = 0;
        int controllers = 0;
        int brokers = 0;
        Map<String, String> nodeHosts = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "host" -> host = parser.getValueAsString();
                case "port_base" -> portBase = parser.getIntValue();
                case "controllers" -> controllers = parser.getIntValue();
                case "brokers" -> brokers = parser.getIntValue();
                case "node_hosts" -> {
                    expect(parser, value, JsonToken.START_OBJECT);
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String node = parser.currentName();
                        expect(parser, parser.nextToken(), JsonToken.VALUE_STRING);
                        nodeHosts.put(node, parser.getText());
                    }
                }
                default -> parser.skipChildren();
            }
        }
        expect(parser, parser.currentToken(), JsonToken.END_OBJECT);
        return new ClusterTopology(host, portBase, controllers, brokers, nodeHosts);
    }

    private static void expect(JsonParser parser, JsonToken actual, JsonToken expected) throws JsonParseException {
        if (actual != expected) {
            throw new JsonParseException(parser, "expected " + expected + ", found " + actual);
        }
    }

    public static void write(Path baseDir, ClusterTopology topology) {
        try {
            Files.createDirectories(baseDir);
            String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(topology);
            Files.writeString(baseDir.resolve(NAME), json + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + baseDir.resolve(NAME), e);
        }
    }
}
