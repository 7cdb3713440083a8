package io.wharf.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import io.wharf.logging.ConsoleLogging;
import java.util.Map;

/**
 * The CLI's logging: warnings and errors only, one line each on stderr, so that stdout carries
 * just results. Set up in code, as a logback {@link Configurator} service, rather than from an XML
 * file: with the XML file, setting logback up took a short CLI call 200–340 ms on a loaded machine,
 * against 75–120 ms this way (docs/decisions/cli-class-data-sharing.md).
 *
 * <p>It applies only in a JVM whose {@link WharfCli#main} set {@link #PROPERTY}, and only while no
 * {@code logback.configurationFile} names another configuration (which then wins). Anywhere else
 * the client jar runs (a node, an application using the SDK, a test) it leaves logback's own
 * configuration alone. Stateless.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class CliLogging extends ContextAwareBase implements Configurator {

    /** Set (to any value) by the CLI's main before anything logs. */
    static final String PROPERTY = "wharf.cli.logging";
    static final String PATTERN = "wharf: %level %logger{20}: %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        return configure(context, System.getProperty(PROPERTY) != null,
                System.getProperty("logback.configurationFile") != null);
    }

    /** The decision and the set-up, apart from the system properties they depend on. */
    static ExecutionStatus configure(LoggerContext context, boolean inCli, boolean configurationFileGiven) {
        if (!inCli || configurationFileGiven) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        ConsoleLogging.install(context, "STDERR", "System.err", PATTERN, Level.WARN, Map.of());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
