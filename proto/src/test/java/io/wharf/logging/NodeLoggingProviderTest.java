package io.wharf.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.spi.SLF4JServiceProvider;

class NodeLoggingProviderTest {

    @Test
    void withoutAConfigurationFileItInstallsTheNodesLogging() {
        LoggerContext context = new LoggerContext();
        NodeLoggingProvider.configure(context, false);

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        assertEquals("System.out", ((ConsoleAppender<?>) root.getAppender("STDOUT")).getTarget());
        assertEquals(Level.WARN, context.getLogger("io.grpc").getLevel());
    }

    @Test
    void aGivenConfigurationFileWinsOverTheNodesLogging(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("logback-node.xml");
        Files.writeString(file, """
                <configuration>
                  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%msg%n</pattern></encoder>
                  </appender>
                  <root level="ERROR"><appender-ref ref="ERR"/></root>
                </configuration>
                """);
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", file.toString());
        try {
            LoggerContext context = new LoggerContext();
            NodeLoggingProvider.configure(context, true);

            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            assertEquals(Level.ERROR, root.getLevel());
            assertNotNull(root.getAppender("ERR"));
            assertNull(root.getAppender("STDOUT"), "the node's own appender is not added");
        } finally {
            if (before == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", before);
            }
        }
    }

    @Test
    void asAnSlf4jProviderItHandsOutOneStartedLogbackContext() {
        SLF4JServiceProvider provider = new NodeLoggingProvider();
        provider.initialize();

        LoggerContext context = (LoggerContext) provider.getLoggerFactory();
        assertEquals("default", context.getName());
        assertSame(context.getMDCAdapter(), provider.getMDCAdapter());
        assertNotNull(provider.getMarkerFactory().getMarker("m"));
        assertEquals("2.0.99", provider.getRequestedApiVersion());
        assertEquals(Level.INFO, context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel());
    }
}
