package io.wharf.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The metrics of the JVM a node runs in: heap and memory pools, GC pauses, threads, classes,
 * buffer pools, JIT time and the process. They describe the JVM, not a node, and the client
 * library adds GC listeners that are never removed, so they are registered once per JVM, and every
 * node's registry serves them through {@link #collector()}.
 *
 * <p>Everything the client's {@code JvmMetrics} registers but its native-memory metrics: those
 * report only with native memory tracking on, which nodes do not run with, and deciding that at
 * registration starts the JVM's whole MBean server, 60–100 ms of a node's start
 * (docs/decisions/node-logging.md).
 *
 * <p>Registered at the first scrape, not at a node's start: the JVM's management beans they read
 * take ~60 ms to set up, which a start would wait for.
 */
public final class JvmMetricsRegistry {

    private JvmMetricsRegistry() {
    }

    /** The JVM's metrics, to register in a node's registry. */
    public static MultiCollector collector() {
        return () -> Registered.JVM.scrape();
    }

    /** Holds the registry, so that it is built when first scraped (class initialisation is lazy and thread-safe). */
    private static final class Registered {
        static final PrometheusRegistry JVM = create();
    }

    private static PrometheusRegistry create() {
        PrometheusRegistry jvm = new PrometheusRegistry();
        JvmThreadsMetrics.builder().register(jvm);
        JvmBufferPoolMetrics.builder().register(jvm);
        JvmClassLoadingMetrics.builder().register(jvm);
        JvmCompilationMetrics.builder().register(jvm);
        JvmGarbageCollectorMetrics.builder().register(jvm);
        JvmMemoryPoolAllocationMetrics.builder().register(jvm);
        JvmMemoryMetrics.builder().register(jvm);
        JvmRuntimeInfoMetric.builder().register(jvm);
        ProcessMetrics.builder().register(jvm);
        return jvm;
    }
}
