package io.wharf.replication.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens the data file ({@code .log}) of each segment of a {@link Log}. The log reads, writes,
 * truncates and fsyncs segment data only through the channels this returns, which makes it the
 * seam for fault injection: a failing or slow disk is simulated by channels that delegate to real
 * ones. Indexes and checkpoints do not go through it. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface LogFileChannels {

    /** Opens real files. */
    LogFileChannels DEFAULT = file -> FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);

    /**
     * Opens {@code file} for reading and writing, creating it when it does not exist.
     *
     * @throws IOException if the file cannot be opened
     */
    FileChannel open(Path file) throws IOException;
}
