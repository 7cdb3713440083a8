package io.wharf.cli.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {

    @Test
    void liveProcessIsFoundUntilItDies(@TempDir Path dir) throws Exception {
        Process sleep = new ProcessBuilder("sleep", "37").start();
        try {
            Path file = dir.resolve("pid");
            PidFile.write(file, sleep.pid());

            assertEquals(OptionalLong.of(sleep.pid()), PidFile.read(file));
            assertEquals(sleep.pid(), PidFile.liveProcess(file, "37").orElseThrow().pid());
            assertTrue(PidFile.liveProcess(file, "controller-1/node.properties").isEmpty(),
                    "a live pid whose command line lacks the marker is another process");

            sleep.destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> PidFile.liveProcess(file, "37").isEmpty());
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void missingOrGarbledFileMeansNoProcess(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pid");
        assertTrue(PidFile.read(file).isEmpty());
        Files.writeString(file, "not-a-pid\n");
        assertTrue(PidFile.read(file).isEmpty());
        assertTrue(PidFile.liveProcess(file, "x").isEmpty());
        PidFile.delete(file);
        assertTrue(Files.notExists(file));
    }
}
