package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The single jar {@code ./wharf} runs the CLI on ({@code deploy/target/wharf-cli.jar}, the client
 * module's {@code cli} assembly): what merging forty jars into one can get wrong.
 */
class CliJarTest {

    private static final Path REPO = Path.of(System.getProperty("wharf.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path CLI_JAR = REPO.resolve("deploy/target/wharf-cli.jar");

    @Test
    void theManifestNamesTheMainClassAndKeepsMultiReleaseClasses() throws IOException {
        try (JarFile jar = open()) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("io.wharf.cli.WharfCli", main.getValue(Attributes.Name.MAIN_CLASS));
            assertEquals("true", main.getValue(Attributes.Name.MULTI_RELEASE));
            assertTrue(jar.stream().anyMatch(entry -> entry.getName().startsWith("META-INF/versions/")),
                    "the multi-release classes of the merged jars are kept");
        }
    }

    @Test
    void everyJarsServiceProvidersAreListedTogether() throws IOException {
        try (JarFile jar = open()) {
            List<String> channels = lines(jar, "META-INF/services/io.grpc.ManagedChannelProvider");
            assertTrue(channels.contains("io.grpc.okhttp.OkHttpChannelProvider"), channels.toString());
            assertTrue(channels.contains("io.grpc.netty.shaded.io.grpc.netty.NettyChannelProvider"), channels.toString());
            // Each acts only in its own kind of JVM: the CLI's, or a node's (-Dwharf.node).
            assertEquals(List.of("io.wharf.logging.NodeLogging", "io.wharf.cli.CliLogging"),
                    lines(jar, "META-INF/services/ch.qos.logback.classic.spi.Configurator").stream().sorted(
                            Comparator.comparing((String provider) -> provider.contains("Cli"))).toList());
        }
    }

    @Test
    void noJarIndexOrSignatureOfAMergedJarIsCarriedOver() throws IOException {
        try (JarFile jar = open()) {
            // proto-google-common-protos and logback ship one: it names the jar it came from, which
            // every lookup that misses in one of its packages would look for beside this one.
            assertNull(jar.getEntry("META-INF/INDEX.LIST"), "a jar index of a merged jar");
            assertTrue(jar.stream().noneMatch(entry -> entry.getName().matches("META-INF/[^/]+\\.(SF|RSA|DSA)")),
                    "a signature of one merged jar would fail the verification of the whole");
        }
    }

    private static JarFile open() throws IOException {
        assertTrue(Files.isRegularFile(CLI_JAR), CLI_JAR + " is built by wharf-deploy, which this module depends on");
        return new JarFile(CLI_JAR.toFile());
    }

    private static List<String> lines(JarFile jar, String name) throws IOException {
        return new String(jar.getInputStream(jar.getEntry(name)).readAllBytes(), StandardCharsets.UTF_8).lines()
                .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }
}
