package io.wharf.config;

/**
 * The one way a node process stops on bad arguments or configuration, so that a controller and a
 * broker report it alike: {@code <node>: <message>} and the usage line on standard error, then
 * exit code {@value #EXIT_CODE}. Stateless.
 */
public final class ConfigExit {

    /** The exit code of a node that refused its arguments or configuration. */
    public static final int EXIT_CODE = 2;

    private ConfigExit() {
    }

    /** What a node prints: {@code <node>: <message>}, then {@code usage} on its own line. */
    public static String report(String node, Exception failure, String usage) {
        return node + ": " + failure.getMessage() + System.lineSeparator() + usage;
    }

    /** Prints {@link #report} to standard error and exits the JVM with {@value #EXIT_CODE}. */
    public static void exit(String node, Exception failure, String usage) {
        System.err.println(report(node, failure, usage));
        System.exit(EXIT_CODE);
    }
}
