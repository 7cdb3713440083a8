package io.wharf.cli.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zombie — a process that exited but that its parent has not reaped, as a killed node is until
 * PID 1 reaps it — counts as gone, though the JDK calls it alive.
 */
class ProcessLivenessTest {

    @Test
    void aZombieIsNotRunningAndItsPidFileNamesNoLiveProcess(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc (Linux)");
        // The shell starts a child that exits a little later, once the shell has become `sleep`,
        // which never reaps it (a child that exited before the exec could be reaped by the shell).
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.3 & echo $!; exec sleep 30").start();
        try {
            long zombie;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                zombie = Long.parseLong(out.readLine().trim());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessLiveness.isZombie(zombie));
            ProcessHandle handle = ProcessHandle.of(zombie).orElseThrow();
            assertTrue(handle.isAlive(), "the JDK calls a zombie alive");
            assertFalse(ProcessLiveness.isRunning(handle));
            assertTrue(ProcessLiveness.awaitGone(handle, Duration.ZERO));

            Path pidFile = dir.resolve("pid");
            PidFile.write(pidFile, zombie);
            assertTrue(PidFile.liveProcess(pidFile, "").isEmpty(), "a zombie's pid file names no live process");
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }

    /**
     * A JVM's main thread turns zombie while its other threads still exit and hold its sockets (a
     * large heap to unmap makes that last): gone must mean its port is free, as a restarted node
     * needs it. Each round kills such a JVM and binds its port at once.
     */
    @Test
    void aKilledJvmIsGoneOnlyOnceItsPortIsFree() throws Exception {
        for (int round = 0; round < 3; round++) {
            Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), PortHoldingMain.class.getName())
                    .redirectErrorStream(true).start();
            try {
                int port;
                try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                        StandardCharsets.US_ASCII))) {
                    port = Integer.parseInt(out.readLine().trim());
                }
                ProcessHandle handle = jvm.toHandle();
                handle.destroyForcibly();
                assertTrue(ProcessLiveness.awaitGone(handle, Duration.ofSeconds(30)));
                try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                    assertEquals(port, again.getLocalPort());
                }
            } finally {
                jvm.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void aRunningProcessRunsUntilItIsKilled() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        ProcessHandle handle = sleeper.toHandle();
        assertTrue(ProcessLiveness.isRunning(handle));
        assertFalse(ProcessLiveness.isZombie(handle.pid()));
        assertFalse(ProcessLiveness.awaitGone(handle, Duration.ofMillis(50)), "still running");
        handle.destroyForcibly();
        assertTrue(ProcessLiveness.awaitGone(handle, Duration.ofSeconds(10)));
    }
}
