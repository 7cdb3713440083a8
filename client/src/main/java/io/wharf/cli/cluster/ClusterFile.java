package io.wharf.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads and writes {@code <base>/cluster.json}, the topology of the local cluster in a directory. Stateless. */
public final class ClusterFile {

    public static final String NAME = "cluster.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ClusterFile() {
    }

    /** The topology stored under {@code baseDir}; empty when no cluster was set up there. */
    public static Optional<ClusterTopology> read(Path baseDir) {
        Path file = baseDir.resolve(NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), ClusterTopology.class));
        } catch (IOException e) {
            throw new LocalClusterException(file + " is not a readable cluster description (" + e.getMessage()
                    + "); delete the directory to start afresh", e);
        }
    }

    public static void write(Path baseDir, ClusterTopology topology) {
        try {
            Files.createDirectories(baseDir);
            Files.writeString(baseDir.resolve(NAME), JSON.writeValueAsString(topology) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + baseDir.resolve(NAME), e);
        }
    }
}
