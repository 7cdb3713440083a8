package io.wharf.cli.command;

import picocli.CommandLine.Option;

/** The {@code --json} flag every command takes. Single-threaded; filled by picocli. */
public final class JsonOption {

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean enabled;

    public boolean enabled() {
        return enabled;
    }
}
