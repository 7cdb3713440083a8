package io.wharf.cli.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A node's pid file and the check that the pid in it still names that node's process: running
 * (not a zombie, {@link ProcessLiveness}), and (where the OS tells) with a command line containing
 * the node's marker — so a pid reused by an unrelated process after a crash is not mistaken for
 * the node. Stateless.
 */
public final class PidFile {

    private PidFile() {
    }

    public static void write(Path file, long pid) {
        try {
            Files.writeString(file, pid + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pid file " + file, e);
        }
    }

    /** The pid in the file; empty when there is no file or it does not hold a pid. */
    public static OptionalLong read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return text.matches("[1-9][0-9]{0,18}") ? OptionalLong.of(Long.parseLong(text)) : OptionalLong.empty();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pid file " + file, e);
        }
    }

    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete pid file " + file, e);
        }
    }

    /** The live process the file names, if its command line (when known) contains {@code marker}. */
    public static Optional<ProcessHandle> liveProcess(Path file, String marker) {
        OptionalLong pid = read(file);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid.getAsLong())
                .filter(ProcessLiveness::isRunning)
                .filter(process -> process.info().commandLine().map(line -> line.contains(marker)).orElse(true));
    }
}
