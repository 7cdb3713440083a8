package io.wharf.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.Map;

/**
 * A controller's or broker's logging: one line per event on stdout (which {@code wharf cluster} and
 * container runtimes collect), Wharf and Ratis at INFO, the gRPC and Netty internals only when
 * something is wrong. Set up in code, as a logback {@link Configurator} service: reading the same
 * settings from an XML file took about a fifth of a node's start (docs/decisions/node-logging.md).
 *
 * <p>It applies only in a JVM started with {@link #NODE_PROPERTY} (every launcher of a node sets it
 * to the node's name) and only while no {@code logback.configurationFile} names another
 * configuration, which then wins: that is how an operator changes a node's logging. Anywhere else
 * (an application using the SDK, the CLI, a test) it leaves logback's own configuration alone.
 * Stateless.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class NodeLogging extends ContextAwareBase implements Configurator {

    /** The system property naming the node this JVM runs, e.g. {@code broker-2}. */
    public static final String NODE_PROPERTY = "wharf.node";
    /** {@code %time} is {@code %d{HH:mm:ss.SSS}} written by {@link TimeOfDayConverter}. */
    static final String PATTERN = "%time %-5level [%thread] %logger{30} - %msg%n";
    /**
     * Levels other than the root's INFO. Ratis logs ~20 of its settings each time a controller
     * becomes leader, on the path of the first commit after a failover; node.properties records ours.
     */
    static final Map<String, Level> LEVELS = Map.of(
            "org.apache.ratis.server.RaftServerConfigKeys", Level.WARN,
            "org.apache.ratis.grpc.GrpcConfigKeys", Level.WARN,
            "org.apache.ratis.RaftConfigKeys", Level.WARN,
            "org.apache.ratis.client.RaftClientConfigKeys", Level.WARN,
            "org.apache.ratis.thirdparty", Level.WARN,
            "io.grpc", Level.WARN,
            "io.netty", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        return configure(context, System.getProperty(NODE_PROPERTY) != null,
                System.getProperty("logback.configurationFile") != null);
    }

    /** The decision and the set-up, apart from the system properties they depend on. */
    static ExecutionStatus configure(LoggerContext context, boolean inNode, boolean configurationFileGiven) {
        if (!inNode || configurationFileGiven) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        conversionRules(context).put("time", TimeOfDayConverter.class.getName());
        ConsoleLogging.install(context, "STDOUT", "System.out", PATTERN, Level.INFO, LEVELS);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The context's own conversion words, which every pattern layout in it reads when it starts. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> conversionRules(LoggerContext context) {
        Map<String, String> rules = (Map<String, String>) context.getObject(CoreConstants.PATTERN_RULE_REGISTRY);
        if (rules == null) {
            rules = new HashMap<>();
            context.putObject(CoreConstants.PATTERN_RULE_REGISTRY, rules);
        }
        return rules;
    }
}
