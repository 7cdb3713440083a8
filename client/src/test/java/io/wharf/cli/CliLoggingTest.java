package io.wharf.cli;

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

class CliLoggingTest {

    @Test
    void inTheCliWarningsAndErrorsGoToStderrOnOneLineEach() {
        LoggerContext context = new LoggerContext();
        assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, CliLogging.configure(context, true, false));

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.WARN, root.getLevel());
        assertFalse(context.getLogger("io.wharf.client.admin.AdminClient").isInfoEnabled());
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertEquals("System.err", stderr.getTarget());
        assertTrue(stderr.isStarted());
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), context.getLogger("io.wharf.client.admin.AdminClient"),
                Level.WARN, "controller 2 did not answer", null, null);
        String line = new String(((PatternLayoutEncoder) stderr.getEncoder()).encode(event), StandardCharsets.UTF_8);
        assertEquals("wharf: WARN i.w.c.a.AdminClient: controller 2 did not answer" + System.lineSeparator(), line);
    }

    @Test
    void outsideTheCliOrWithAConfigurationFileItLeavesLogbackAlone() {
        for (boolean[] inCliAndFile : new boolean[][] {{false, false}, {false, true}, {true, true}}) {
            LoggerContext context = new LoggerContext();
            assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, CliLogging.configure(context, inCliAndFile[0], inCliAndFile[1]));
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            assertFalse(root.iteratorForAppenders().hasNext(), "no appender added");
            assertEquals(Level.DEBUG, root.getLevel(), "logback's default level kept");
        }
    }

    @Test
    void logbackFindsItAsAConfiguratorService() {
        assertTrue(ServiceLoader.load(Configurator.class).stream()
                .anyMatch(provider -> provider.type() == CliLogging.class));
    }
}
