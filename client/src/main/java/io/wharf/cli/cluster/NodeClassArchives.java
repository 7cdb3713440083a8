package io.wharf.cli.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Class-data sharing archives for the local cluster's node JVMs, one per role
 * ({@code wharf-controller.jsa}, {@code wharf-broker.jsa}), so that a node maps the classes it
 * needs (Ratis, gRPC, Netty, protobuf, its own) instead of loading and verifying them at every
 * start (docs/decisions/node-class-data-sharing.md).
 *
 * <p>An archive is made by the nodes themselves: while a role has no archive newer than every jar
 * of the node classpath, each of its nodes starts with {@code -XX:ArchiveClassesAtExit} writing a
 * file of its own ({@code wharf-broker.jsa.broker-2.<build>.part}) when its JVM exits cleanly. At a
 * later launch, the newest part file of the current build whose node is not running becomes the
 * role's archive. The build in the name is the time of the newest jar when the node was launched:
 * a node started before a rebuild exits after it, and its part, although newer than every jar,
 * holds the classes of the jars it started with; the JVM checks an archive against the classpath
 * and ignores one that does not match, silently (its CDS logging is off), so such a part made the
 * archive useless until the next build. A node killed with SIGKILL writes none.
 */
public final class NodeClassArchives {

    private static final String SUFFIX = ".jsa";
    private static final String PART = ".part";
    private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    /**
     * Maps the archives at the address they were written for. By default this JDK maps them
     * elsewhere (for address-space randomisation) and relocates every pointer in them, which dirties
     * every page: each node then held its whole archive, ~60 MiB, privately, instead of sharing the
     * read-only half with the other nodes through the page cache (docs/decisions/node-memory.md).
     */
    static final List<String> MAP_AT_ARCHIVED_ADDRESS = List.of("-XX:+UnlockDiagnosticVMOptions",
            "-XX:ArchiveRelocationMode=0");

    private final Path dir;
    private final Path libDir;

    /**
     * @param dir    where the archives are kept (e.g. {@code deploy/target})
     * @param libDir the directory of the node classpath's jars: an archive older than any of them is stale
     */
    public NodeClassArchives(Path dir, Path libDir) {
        this.dir = dir;
        this.libDir = libDir;
    }

    /**
     * The archives for a node classpath of jars from one directory (what {@code ./wharf} runs:
     * {@code deploy/target/lib/*}, which the java launcher expands into the jar list the running
     * CLI sees), kept in {@code archiveDir}; empty for any other classpath (tests run from class
     * directories), which then runs without.
     */
    public static Optional<NodeClassArchives> forClasspath(String classpath, Path archiveDir) {
        Path libDir = null;
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            Path dir;
            if (entry.endsWith("/*")) {
                dir = Path.of(entry.substring(0, entry.length() - 2));
            } else if (entry.endsWith(".jar")) {
                dir = Path.of(entry).toAbsolutePath().getParent();
            } else {
                return Optional.empty();
            }
            if (libDir != null && !libDir.equals(dir)) {
                return Optional.empty();
            }
            libDir = dir;
        }
        return libDir == null ? Optional.empty() : Optional.of(new NodeClassArchives(archiveDir, libDir));
    }

    /**
     * The JVM options for starting {@code node}: map its role's archive when there is a current
     * one, else write one at exit.
     *
     * @param running whether a node (by name) is running now: its part file may be incomplete
     */
    public List<String> jvmOptions(NodeName node, Predicate<NodeName> running) {
        String role = node.role().prefix();
        Path archive = dir.resolve("wharf-" + role + SUFFIX);
        promote(role, archive, running);
        List<String> options = new ArrayList<>();
        if (isCurrent(archive)) {
            options.add("-XX:SharedArchiveFile=" + archive);
            options.addAll(MAP_AT_ARCHIVED_ADDRESS);
        } else {
            options.add("-XX:ArchiveClassesAtExit="
                    + dir.resolve("wharf-" + role + SUFFIX + "." + node + "." + build().toMillis() + PART));
        }
        options.addAll(QUIET);
        return options;
    }

    /**
     * Whether {@code role} has an archive of the current build that its nodes map at launch. Until
     * both roles have one, a cluster that stops its nodes cleanly (instead of killing them) lets
     * them write the parts the next launch makes into archives.
     */
    public boolean hasCurrentArchive(NodeRole role) {
        return isCurrent(dir.resolve("wharf-" + role.prefix() + SUFFIX));
    }

    /**
     * Makes the newest finished part file of {@code role} from the current build its archive, when
     * the archive is not current; finished parts of other builds are deleted.
     */
    private void promote(String role, Path archive, Predicate<NodeName> running) {
        if (isCurrent(archive)) {
            return;
        }
        String prefix = "wharf-" + role + SUFFIX + ".";
        String build = Long.toString(build().toMillis());
        List<Path> finished = new ArrayList<>();
        List<Path> otherBuilds = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(file -> {
                String name = file.getFileName().toString();
                if (!name.startsWith(prefix) || !name.endsWith(PART)) {
                    return;
                }
                String writerAndBuild = name.substring(prefix.length(), name.length() - PART.length());
                int dot = writerAndBuild.lastIndexOf('.');
                Optional<NodeName> writer = NodeName.tryParse(dot < 0 ? writerAndBuild : writerAndBuild.substring(0, dot));
                if (writer.isEmpty() || running.test(writer.get())) {
                    return;
                }
                (dot > 0 && writerAndBuild.substring(dot + 1).equals(build) ? finished : otherBuilds).add(file);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the class-data archives in " + dir, e);
        }
        finished.sort(Comparator.comparing(NodeClassArchives::modified).reversed());
        try {
            for (Path stale : otherBuilds) {
                Files.deleteIfExists(stale);
            }
            if (finished.isEmpty()) {
                return;
            }
            try {
                Files.move(finished.get(0), archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(finished.get(0), archive, StandardCopyOption.REPLACE_EXISTING);
            }
            for (Path older : finished.subList(1, finished.size())) {
                Files.deleteIfExists(older);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the class-data archive " + archive, e);
        }
    }

    /** An archive is current when it exists and no jar of the classpath is newer. */
    private boolean isCurrent(Path archive) {
        return Files.isRegularFile(archive) && build().compareTo(modified(archive)) <= 0;
    }

    /** The time of the newest jar of the classpath. */
    private FileTime build() {
        try (Stream<Path> jars = Files.list(libDir)) {
            return jars.map(NodeClassArchives::modified).max(Comparator.naturalOrder()).orElse(FileTime.fromMillis(0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the node classpath " + libDir, e);
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the time of " + file, e);
        }
    }
}
