package io.wharf.cli.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Whether a node's process still runs, counting a zombie as gone. A node launched by an earlier
 * CLI call is not a child of this JVM: once it is killed it stays a zombie until its parent —
 * PID 1, after that call exited — reaps it, and the JDK calls a zombie alive. On this machine's
 * init that took 1.7 s after a SIGKILL, which every {@code cluster kill} and {@code stop} waited.
 * Where there is no {@code /proc} (not Linux) only the JDK's word counts. Stateless.
 */
final class ProcessLiveness {

    private static final long POLL_MILLIS = 20;

    private ProcessLiveness() {
    }

    /** True while {@code process} exists and has not wholly exited (a zombie has). */
    static boolean isRunning(ProcessHandle process) {
        return process.isAlive() && !isZombie(process.pid());
    }

    /**
     * Waits up to {@code timeout} for {@code process} to stop running.
     *
     * @return false when it still runs
     */
    static boolean awaitGone(ProcessHandle process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(process)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }

    /**
     * Whether {@code pid} has exited but is not reaped: the kernel lists it as a zombie and its
     * other threads are gone. A JVM's main thread turns zombie as soon as it exits, while its other
     * threads may still be exiting and holding the process's files, and with them its listening
     * ports; a thread is removed from {@code /proc/PID/task} only once it has released them. False
     * when it cannot tell.
     */
    static boolean isZombie(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
            // "pid (comm) state ...": comm may itself hold spaces and parentheses, so look after the last ')'.
            int end = stat.lastIndexOf(')');
            if (end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z') {
                return false;
            }
            try (Stream<Path> threads = Files.list(proc.resolve("task"))) {
                return threads.count() <= 1;
            }
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
