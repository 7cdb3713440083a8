package io.wharf.cluster;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the commands of one walk-through block, as written, in one {@code bash} (so a variable set
 * or a job started by one command is there for the next), from a working directory and with extra
 * environment variables, standard input from {@code /dev/null} and standard error merged into
 * standard output. After each command the script prints a marker line with its exit status, which
 * splits the output by command and lets each command have its own time limit. Jobs a block leaves
 * running (it should {@code wait} for them) are killed and reported. Not thread-safe; the reader
 * thread of each run is its own and ends with the shell's output.
 */
final class WalkthroughShell {

    private static final String MARKER = "@@walkthrough-marker";
    private static final Pattern EXIT = Pattern.compile(Pattern.quote(MARKER) + " exit (\\d+)");
    private static final Pattern LEFT_RUNNING = Pattern.compile(Pattern.quote(MARKER) + " left-running(.*)");
    private static final String END_OF_OUTPUT = MARKER + " end-of-output";

    private final Path workingDir;
    private final Map<String, String> environment;
    private final Duration commandTimeout;

    /**
     * A shell running in {@code workingDir} with {@code environment} added to this process's, where
     * a command running longer than {@code commandTimeout} fails the block.
     */
    WalkthroughShell(Path workingDir, Map<String, String> environment, Duration commandTimeout) {
        this.workingDir = workingDir;
        this.environment = Map.copyOf(environment);
        this.commandTimeout = commandTimeout;
    }

    /**
     * How one command went.
     *
     * @param command the command as written
     * @param exitCode its exit status ({@code $?} after it)
     * @param output what it (and any job running meanwhile) printed, standard error included
     * @param elapsed how long it ran
     */
    record Outcome(String command, int exitCode, String output, Duration elapsed) {
    }

    /**
     * Runs {@code commands} in order and returns how each went; stops at the first that exceeds the
     * time limit or when the shell dies, throwing with what was printed so far.
     */
    List<Outcome> run(List<String> commands) {
        Path script = writeScript(commands);
        Process shell = start(script);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(shell, lines), "walkthrough-shell-output");
        reader.setDaemon(true);
        reader.start();
        List<Outcome> outcomes = new ArrayList<>();
        try {
            for (String command : commands) {
                outcomes.add(awaitOutcome(command, lines, shell));
            }
            awaitEnd(lines, shell);
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running a walk-through", e);
        } finally {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
            delete(script);
        }
    }

    private Outcome awaitOutcome(String command, BlockingQueue<String> lines, Process shell) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + commandTimeout.toNanos();
        StringBuilder output = new StringBuilder();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("`" + command + "` did not end within " + commandTimeout.toSeconds()
                        + " s; it printed:\n" + output);
            }
            if (line.equals(END_OF_OUTPUT)) {
                throw new AssertionError("the shell ended (exit " + shell.waitFor() + ") during `" + command
                        + "`; it printed:\n" + output);
            }
            Matcher exit = EXIT.matcher(line);
            if (exit.matches()) {
                return new Outcome(command, Integer.parseInt(exit.group(1)), output.toString(),
                        Duration.ofNanos(System.nanoTime() - started));
            }
            output.append(line).append('\n');
        }
    }

    /** Waits for the script's last line; any job it left running is killed and fails the block. */
    private void awaitEnd(BlockingQueue<String> lines, Process shell) throws InterruptedException {
        long deadline = System.nanoTime() + commandTimeout.toNanos();
        List<Long> leftRunning = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(END_OF_OUTPUT)) {
                throw new AssertionError("the shell did not finish its script (exit "
                        + (shell.isAlive() ? "none yet" : shell.exitValue()) + ")");
            }
            Matcher left = LEFT_RUNNING.matcher(line);
            if (left.matches()) {
                for (String pid : left.group(1).strip().split("\\s+")) {
                    if (!pid.isEmpty()) {
                        leftRunning.add(Long.parseLong(pid));
                    }
                }
                break;
            }
        }
        List<Long> alive = leftRunning.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
        alive.forEach(pid -> ProcessHandle.of(pid).ifPresent(process -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }));
        if (!alive.isEmpty()) {
            throw new AssertionError("the block left jobs running (pids " + alive + "): every walk-through command "
                    + "must end by itself, or the block must wait for what it started in the background");
        }
        if (!shell.waitFor(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the shell did not exit after its last command");
        }
    }

    private Path writeScript(List<String> commands) {
        StringBuilder script = new StringBuilder("set -o pipefail\n");
        for (String command : commands) {
            script.append(command).append('\n');
            script.append("printf '\\n").append(MARKER).append(" exit %d\\n' \"$?\"\n");
        }
        script.append("printf '\\n").append(MARKER).append(" left-running %s\\n' \"$(jobs -pr | tr '\\n' ' ')\"\n");
        try {
            Path file = Files.createTempFile("walkthrough", ".sh");
            Files.writeString(file, script.toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the walk-through script", e);
        }
    }

    private Process start(Path script) {
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString())
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start bash", e);
        }
    }

    private static void readLines(Process shell, BlockingQueue<String> lines) {
        try (BufferedReader output = new BufferedReader(
                new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = output.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the shell was killed after a timeout: its output just ends here
            lines.add("(output cut: " + e.getMessage() + ")");
        } finally {
            lines.add(END_OF_OUTPUT);
        }
    }

    private static void delete(Path script) {
        try {
            Files.deleteIfExists(script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + script, e);
        }
    }
}
