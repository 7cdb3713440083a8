package io.wharf.cli.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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

    /** True while {@code process} exists and has not exited (a zombie has). */
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

    /** Whether the kernel lists {@code pid} as a zombie; false when it cannot tell. */
    static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // "pid (comm) state ...": comm may itself hold spaces and parentheses, so look after the last ')'.
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
