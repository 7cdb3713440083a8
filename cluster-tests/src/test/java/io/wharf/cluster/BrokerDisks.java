package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import io.wharf.replication.log.fault.DiskFaultControlFile;
import io.wharf.replication.log.fault.DiskFaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The test's side of disk fault injection in broker processes: a directory of control files, one
 * per broker ({@code broker-N.faults}), named to every node JVM by the system property
 * {@code wharf.test.disk.fault.control.dir} (the broker reads it in {@code BrokerMain}; decision
 * {@code disk-fault-injection.md}). Writing a broker's file slows or fails its segment writes and
 * fsyncs at once; deleting it heals. Not thread-safe; used by the test thread.
 */
final class BrokerDisks {

    private static final String PROPERTY = "wharf.test.disk.fault.control.dir";

    private final Path dir;

    /** Control files in {@code dir}, emptied now: every broker's disk starts healthy. */
    BrokerDisks(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the disk fault control directory " + dir, e);
        }
    }

    /** The JVM options that turn disk fault injection on in the broker processes. */
    List<String> jvmOptions() {
        return List.of("-D" + PROPERTY + "=" + dir.toAbsolutePath());
    }

    /** From now on {@code broker}'s segment writes and fsyncs suffer {@code faults}. */
    void inject(NodeName broker, DiskFaults faults) {
        try {
            control(broker).write(faults);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inject " + faults + " into " + broker, e);
        }
    }

    /** {@code broker}'s disk is healthy again. */
    void heal(NodeName broker) {
        try {
            control(broker).clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot heal the disk of " + broker, e);
        }
    }

    private DiskFaultControlFile control(NodeName broker) {
        if (broker.isController()) {
            throw new IllegalArgumentException(broker + " is a controller; disk faults are injected into brokers");
        }
        return new DiskFaultControlFile(dir.resolve("broker-" + broker.id() + ".faults"));
    }
}
