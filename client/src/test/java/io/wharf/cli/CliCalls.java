package io.wharf.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/** Runs the wharf CLI in this JVM, as the CLI tests do, against the brokers or controllers of a test cluster. */
final class CliCalls {

    private CliCalls() {
    }

    /**
     * Runs {@code args} plus {@code --bootstrap bootstrap}, reading {@code stdin} and printing to
     * {@code out} and {@code err}; returns the exit code.
     */
    static int execute(Path clusterDir, StringWriter out, StringWriter err, String stdin, String bootstrap,
                       String... args) {
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused-classpath",
                new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        String[] withBootstrap = new String[args.length + 2];
        System.arraycopy(args, 0, withBootstrap, 0, args.length);
        withBootstrap[args.length] = "--bootstrap";
        withBootstrap[args.length + 1] = bootstrap;
        return WharfCli.execute(env, withBootstrap);
    }
}
