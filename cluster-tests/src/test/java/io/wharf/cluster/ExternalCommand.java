package io.wharf.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short OS command (ip, kill) to completion and fails, with its output, when it fails. Stateless. */
final class ExternalCommand {

    private static final long TIMEOUT_SECONDS = 10;

    private ExternalCommand() {
    }

    /** Runs {@code command}; returns its output (stdout and stderr); throws when it exits non-zero. */
    static String run(String... command) {
        Result result = attempt(command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` exited with " + result.exitCode()
                    + ": " + result.output().strip());
        }
        return result.output();
    }

    /** What a command printed and how it exited. */
    record Result(int exitCode, String output) {
    }

    /** Runs {@code command} and returns how it ended, failing only when it cannot be run at all. */
    static Result attempt(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish in "
                        + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
    }
}
