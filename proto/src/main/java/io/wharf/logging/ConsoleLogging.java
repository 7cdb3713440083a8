package io.wharf.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Map;
import org.slf4j.Logger;

/**
 * A logback set-up in code of one console appender: what both the nodes' {@link NodeLogging} and
 * the CLI's logging install, each with its own stream, pattern and levels. Stateless.
 */
public final class ConsoleLogging {

    private ConsoleLogging() {
    }

    /**
     * Adds to {@code context}'s root logger an appender named {@code name} writing {@code pattern}
     * to {@code target} ({@code System.out} or {@code System.err}), sets the root to {@code rootLevel}
     * and each logger of {@code levels} to its level.
     */
    public static void install(LoggerContext context, String name, String target, String pattern, Level rootLevel,
                               Map<String, Level> levels) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setTarget(target);
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel);
        root.addAppender(appender);
        levels.forEach((logger, level) -> context.getLogger(logger).setLevel(level));
    }
}
