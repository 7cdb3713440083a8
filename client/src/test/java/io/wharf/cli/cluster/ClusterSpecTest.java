package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ClusterSpecTest {

    @Test
    void classpathEntriesBecomeAbsoluteKeepingWildcards() {
        Path cwd = Path.of("").toAbsolutePath();
        String classpath = String.join(File.pathSeparator, "deploy/target/lib/*", "/opt/a.jar", "", "b.jar", "*");

        assertEquals(String.join(File.pathSeparator, cwd.resolve("deploy/target/lib/*").toString(), "/opt/a.jar",
                cwd.resolve("b.jar").toString(), cwd.resolve("*").toString()), ClusterSpec.absolute(classpath));
    }
}
