package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeClassArchivesTest {

    private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    private static final Instant BUILT = Instant.parse("2026-12-06T08:00:00Z");

    @TempDir
    Path dir;
    private Path lib;
    private NodeClassArchives archives;

    @BeforeEach
    void build() throws IOException {
        lib = Files.createDirectories(dir.resolve("lib"));
        touch(lib.resolve("wharf-broker.jar"), BUILT);
        touch(lib.resolve("ratis-server.jar"), BUILT.minusSeconds(3600));
        archives = NodeClassArchives.forClasspath(lib + "/*", dir).orElseThrow();
    }

    @Test
    void withoutAnArchiveEachNodeWritesItsOwnAtExit() {
        assertEquals(concat("-XX:ArchiveClassesAtExit=" + part("wharf-broker.jsa.broker-2", BUILT)),
                archives.jvmOptions(NodeName.broker(2), node -> false));
        assertEquals(concat("-XX:ArchiveClassesAtExit=" + part("wharf-controller.jsa.controller-1", BUILT)),
                archives.jvmOptions(NodeName.controller(1), node -> false));
    }

    @Test
    void theNewestPartOfAStoppedNodeBecomesItsRolesArchive() throws IOException {
        touch(part("wharf-broker.jsa.broker-1", BUILT), BUILT.plusSeconds(60));
        touch(part("wharf-broker.jsa.broker-2", BUILT), BUILT.plusSeconds(90));
        touch(part("wharf-broker.jsa.broker-3", BUILT), BUILT.plusSeconds(120));
        // broker-3 still runs: its part may be half written.
        Set<NodeName> running = Set.of(NodeName.broker(3));

        assertEquals(mapped(dir.resolve("wharf-broker.jsa")),
                archives.jvmOptions(NodeName.broker(1), running::contains));
        assertTrue(Files.isRegularFile(dir.resolve("wharf-broker.jsa")));
        assertEquals(FileTime.from(BUILT.plusSeconds(90)), Files.getLastModifiedTime(dir.resolve("wharf-broker.jsa")),
                "broker-2's, the newest finished one");
        assertFalse(Files.exists(part("wharf-broker.jsa.broker-1", BUILT)), "the older one is removed");
        assertTrue(Files.exists(part("wharf-broker.jsa.broker-3", BUILT)), "a running node's part is left");
        // The controllers have none yet.
        assertEquals(concat("-XX:ArchiveClassesAtExit=" + part("wharf-controller.jsa.controller-2", BUILT)),
                archives.jvmOptions(NodeName.controller(2), running::contains));
    }

    @Test
    void aNewBuildMakesTheArchiveStale() throws IOException {
        touch(dir.resolve("wharf-broker.jsa"), BUILT.plusSeconds(60));
        assertEquals(mapped(dir.resolve("wharf-broker.jsa")),
                archives.jvmOptions(NodeName.broker(1), node -> false));
        assertTrue(archives.hasCurrentArchive(NodeRole.BROKER));
        assertFalse(archives.hasCurrentArchive(NodeRole.CONTROLLER), "the controllers have none yet");

        touch(lib.resolve("wharf-broker.jar"), BUILT.plusSeconds(120));
        assertFalse(archives.hasCurrentArchive(NodeRole.BROKER), "older than the newest jar");
        assertEquals(concat("-XX:ArchiveClassesAtExit=" + part("wharf-broker.jsa.broker-1", BUILT.plusSeconds(120))),
                archives.jvmOptions(NodeName.broker(1), node -> false));
    }

    @Test
    void aPartWrittenByANodeStartedBeforeTheLastBuildIsNeverTheArchive() throws IOException {
        // broker-1 ran the jars of the build before, was rebuilt under, and wrote its part on exit
        // after the build: newer than every jar, but of classes the JVM will not map with these.
        Instant previousBuild = BUILT.minusSeconds(600);
        Path earlier = part("wharf-broker.jsa.broker-1", previousBuild);
        touch(earlier, BUILT.plusSeconds(30));

        assertEquals(concat("-XX:ArchiveClassesAtExit=" + part("wharf-broker.jsa.broker-2", BUILT)),
                archives.jvmOptions(NodeName.broker(2), node -> false));
        assertFalse(Files.exists(dir.resolve("wharf-broker.jsa")));
        assertFalse(Files.exists(earlier), "a finished part of another build is removed");

        touch(part("wharf-broker.jsa.broker-2", BUILT), BUILT.plusSeconds(60));
        assertEquals(mapped(dir.resolve("wharf-broker.jsa")), archives.jvmOptions(NodeName.broker(3), node -> false));
    }

    @Test
    void onlyAClasspathOfOneJarDirectoryGetsArchives() {
        assertEquals(Optional.empty(), NodeClassArchives.forClasspath("/a/classes:/b/lib/*", dir));
        assertEquals(Optional.empty(), NodeClassArchives.forClasspath("/a/classes", dir));
        assertEquals(Optional.empty(), NodeClassArchives.forClasspath("/a/x.jar:/b/y.jar", dir));
        assertTrue(NodeClassArchives.forClasspath("/b/lib/*", dir).isPresent());
    }

    @Test
    void theJarListTheLauncherExpandsTheWildcardIntoWorksToo() {
        // java -cp 'lib/*' shows the running CLI its jars one by one.
        NodeClassArchives expanded = NodeClassArchives.forClasspath(lib.resolve("wharf-broker.jar") + ":"
                + lib.resolve("ratis-server.jar"), dir).orElseThrow();
        assertEquals(concat("-XX:ArchiveClassesAtExit=" + part("wharf-broker.jsa.broker-1", BUILT)),
                expanded.jvmOptions(NodeName.broker(1), node -> false));
    }

    /** The part file {@code prefix} writes when launched with jars whose newest is from {@code build}. */
    private Path part(String prefix, Instant build) {
        return dir.resolve(prefix + "." + build.toEpochMilli() + ".part");
    }

    private static List<String> mapped(Path archive) {
        return java.util.stream.Stream.of(List.of("-XX:SharedArchiveFile=" + archive),
                NodeClassArchives.MAP_AT_ARCHIVED_ADDRESS, QUIET).flatMap(List::stream).toList();
    }

    private static List<String> concat(String option) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(option), QUIET.stream()).toList();
    }

    private static void touch(Path file, Instant time) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        Files.setLastModifiedTime(file, FileTime.from(time));
    }
}
