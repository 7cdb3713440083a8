package io.wharf.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class NodeLoggingTest {

    @Test
    void inANodeEventsGoToStdoutAtInfoWithTheTransportInternalsOnlyFromWarn() {
        LoggerContext context = new LoggerContext();
        assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, NodeLogging.configure(context, true, false));

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        assertTrue(context.getLogger("io.wharf.broker.BrokerNode").isInfoEnabled());
        assertFalse(context.getLogger("io.wharf.broker.BrokerNode").isDebugEnabled());
        assertTrue(context.getLogger("org.apache.ratis.server.impl.RaftServerImpl").isInfoEnabled());
        assertFalse(context.getLogger("org.apache.ratis.server.RaftServerConfigKeys").isInfoEnabled());
        assertFalse(context.getLogger("io.grpc.netty.shaded.io.netty.channel.ChannelPipeline").isInfoEnabled());
        assertTrue(context.getLogger("io.grpc.netty.shaded.io.netty.channel.ChannelPipeline").isWarnEnabled());
        assertFalse(context.getLogger("org.apache.ratis.thirdparty.io.grpc.internal.ServerImpl").isInfoEnabled());

        ConsoleAppender<?> stdout = (ConsoleAppender<?>) root.getAppender("STDOUT");
        assertEquals("System.out", stdout.getTarget());
        assertTrue(stdout.isStarted());
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), context.getLogger("io.wharf.broker.BrokerNode"),
                Level.INFO, "Broker 1 is active", null, null);
        event.setThreadName("main");
        String line = new String(((PatternLayoutEncoder) stdout.getEncoder()).encode(event), StandardCharsets.UTF_8);
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main] io\\.wharf\\.broker\\.BrokerNode - Broker 1 is active"
                + System.lineSeparator()), line);
    }

    @Test
    void outsideANodeOrWithAConfigurationFileItLeavesLogbackAlone() {
        for (boolean[] inNodeAndFile : new boolean[][] {{false, false}, {false, true}, {true, true}}) {
            LoggerContext context = new LoggerContext();
            assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, NodeLogging.configure(context, inNodeAndFile[0], inNodeAndFile[1]));
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            assertFalse(root.iteratorForAppenders().hasNext(), "no appender added");
            assertEquals(Level.DEBUG, root.getLevel(), "logback's default level kept");
        }
    }

    @Test
    void logbackFindsItAsAConfiguratorService() {
        assertTrue(ServiceLoader.load(Configurator.class).stream()
                .anyMatch(provider -> provider.type() == NodeLogging.class));
    }
}
