package io.wharf.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LogbackServiceProvider;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.StatusUtil;
import ch.qos.logback.core.util.StatusPrinter;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.Util;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding every launcher of a node names with {@code -Dslf4j.provider}: logback, with
 * {@link NodeLogging}'s set-up applied directly. Logback's own provider first searches the
 * classpath for {@code Configurator} services, sorts them by their rank annotation and times
 * itself, about 0.03 s of a broker's main thread (docs/decisions/node-logging.md). An operator's
 * {@code logback.configurationFile} still wins, read by logback's usual initialisation.
 *
 * <p>A JVM that does not name this provider still finds logback's, which then finds
 * {@link NodeLogging} as a service: the same logging, found the slow way.
 */
public final class NodeLoggingProvider implements SLF4JServiceProvider {

    private LoggerContext context;
    private IMarkerFactory markers;
    private LogbackMDCAdapter mdc;

    @Override
    public void initialize() {
        context = new LoggerContext();
        context.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        configure(context, System.getProperty("logback.configurationFile") != null);
        context.start();
        markers = new BasicMarkerFactory();
        mdc = new LogbackMDCAdapter();
        context.setMDCAdapter(mdc);
    }

    /** Installs the node's logging in {@code context}, or hands a given configuration file to logback. */
    static void configure(LoggerContext context, boolean configurationFileGiven) {
        if (!configurationFileGiven) {
            NodeLogging.configure(context, true, false);
            return;
        }
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            Util.report("Failed to read the logging configuration file "
                    + System.getProperty("logback.configurationFile"), e);
        }
        // As logback's provider does: a broken file is reported on the console, not silently ignored.
        if (!StatusUtil.contextHasStatusListener(context)) {
            StatusPrinter.printInCaseOfErrorsOrWarnings(context);
        }
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return LogbackServiceProvider.REQUESTED_API_VERSION;
    }
}
