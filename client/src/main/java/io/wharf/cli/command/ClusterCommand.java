package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.cluster.ClusterFile;
import io.wharf.cli.cluster.ClusterSpec;
import io.wharf.cli.cluster.ClusterStatus;
import io.wharf.cli.cluster.ClusterTopology;
import io.wharf.cli.cluster.ControllerFailover;
import io.wharf.cli.cluster.FailoverSummary;
import io.wharf.cli.cluster.LocalCluster;
import io.wharf.cli.cluster.NodeName;
import io.wharf.cli.cluster.NodeProperties;
import io.wharf.cli.cluster.NodeRole;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code wharf cluster ...}: the local cluster under {@code .wharf/}. Single-threaded; one per invocation. */
@Command(name = ClusterCommand.NAME, description = "Run a local cluster: each node its own JVM, files under .wharf/.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Status.class, ClusterCommand.Kill.class,
                ClusterCommand.Stop.class, ClusterCommand.Start.class, ClusterCommand.Down.class,
                ClusterCommand.Failover.class})
public final class ClusterCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "cluster";

    static final int MAX_NODES = 9;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: up, status, kill, stop, start, down or failover");
    }

    /** {@code cluster up}: starts every node that is not running and waits for a healthy cluster. */
    @Command(name = "up", description = "Start the local cluster (or its missing nodes) and wait until it is healthy.")
    public static final class Up implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Option(names = "--controllers", paramLabel = "N", description = "Controllers (1-9; default 3, or the existing cluster's).")
        Integer controllers;
        @Option(names = "--brokers", paramLabel = "N", description = "Brokers (0-9; default 3, or the existing cluster's).")
        Integer brokers;
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "90",
                description = "How long to wait for a healthy cluster (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;
        @Option(names = "--broker-config", paramLabel = "KEY=VALUE", description = "A key for every broker's "
                + "node.properties, e.g. log.flush.mode=lazy (repeatable). Kept by later ups; a running broker "
                + "reads it when it next starts.")
        Map<String, String> brokerConfig = new LinkedHashMap<>();
        @Option(names = "--controller-config", paramLabel = "KEY=VALUE", description = "A key for every "
                + "controller's node.properties (repeatable), kept like --broker-config.")
        Map<String, String> controllerConfig = new LinkedHashMap<>();
        @Spec CommandSpec spec;

        public Up(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            requireRange(spec, "--controllers", controllers, 1, MAX_NODES);
            requireRange(spec, "--brokers", brokers, 0, MAX_NODES);
            requireRange(spec, "--timeout", timeoutSeconds, 1, 3600);
            Optional<ClusterTopology> existing = ClusterFile.read(env.clusterDir());
            ClusterTopology topology = ClusterTopology.local(
                    Optional.ofNullable(controllers).orElse(existing.map(ClusterTopology::controllers).orElse(3)),
                    Optional.ofNullable(brokers).orElse(existing.map(ClusterTopology::brokers).orElse(3)));
            if (existing.isPresent() && existing.get().portBase() != topology.portBase()) {
                topology = new ClusterTopology(existing.get().host(), existing.get().portBase(),
                        topology.controllers(), topology.brokers());
            }
            requireNodeKeys(spec, "--broker-config", brokerConfig);
            requireNodeKeys(spec, "--controller-config", controllerConfig);
            ClusterSpec clusterSpec = ClusterAccess.spec(env, topology)
                    .withProperties(NodeRole.BROKER, brokerConfig)
                    .withProperties(NodeRole.CONTROLLER, controllerConfig);
            long started = System.nanoTime();
            try (LocalCluster cluster = new LocalCluster(clusterSpec, env.nodeClassArchives(), env.channels())) {
                if (!json.enabled()) {
                    env.err().println("starting " + topology.controllers() + " controllers and " + topology.brokers()
                            + " brokers in " + env.clusterDir() + " ...");
                    env.err().flush();
                }
                cluster.up();
                ClusterStatus status = cluster.awaitHealthy(Duration.ofSeconds(timeoutSeconds));
                if (json.enabled()) {
                    Json.print(env.out(), status);
                } else {
                    env.out().printf("cluster healthy after %.1f s%n", (System.nanoTime() - started) / 1e9);
                    StatusPrinter.print(status, env.out());
                    if (topology.brokers() > 0) {
                        env.out().printf("console: http://%s:%d/console/ (every broker serves it on its METRICS port)%n",
                                topology.host(), topology.metricsPort(NodeName.broker(1)));
                    }
                }
            }
        }
    }

    /** Refuses keys the local cluster sets from its topology: a node given another would not find its peers. */
    private static void requireNodeKeys(CommandSpec spec, String option, Map<String, String> keys) {
        for (String key : keys.keySet()) {
            if (NodeProperties.TOPOLOGY_KEYS.contains(key)) {
                throw new ParameterException(spec.commandLine(), option + " " + key + ": the local cluster sets "
                        + key + " from its topology; choose the topology with --controllers and --brokers");
            }
        }
    }

    /** {@code cluster status}: every node's process and role. */
    @Command(name = "status", description = "Show every node: pid, ports, role or state, and what keeps the cluster unhealthy.")
    public static final class Status implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;

        public Status(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (LocalCluster cluster = ClusterAccess.open(env)) {
                ClusterStatus status = cluster.status();
                if (json.enabled()) {
                    Json.print(env.out(), status);
                } else {
                    StatusPrinter.print(status, env.out());
                }
            }
        }
    }

    /** {@code cluster kill NODE}: SIGKILL. */
    @Command(name = "kill", description = "Crash a node with SIGKILL.")
    public static final class Kill implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Parameters(paramLabel = "NODE", description = "controller-N or broker-N")
        String node;

        public Kill(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (LocalCluster cluster = ClusterAccess.open(env)) {
                NodeName target = cluster.node(node);
                OptionalLong pid = cluster.pid(target);
                report(env, json, target, pid, cluster.kill(target) ? "killed" : "not_running",
                        target + " killed (SIGKILL, pid " + pid.orElse(-1) + ")");
            }
        }
    }

    /** {@code cluster stop NODE}: SIGTERM, a clean stop. */
    @Command(name = "stop", description = "Stop a node cleanly (SIGTERM; SIGKILL if it has not exited after 20 s).")
    public static final class Stop implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Parameters(paramLabel = "NODE", description = "controller-N or broker-N")
        String node;

        public Stop(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (LocalCluster cluster = ClusterAccess.open(env)) {
                NodeName target = cluster.node(node);
                OptionalLong pid = cluster.pid(target);
                report(env, json, target, pid, cluster.stop(target) ? "stopped" : "not_running",
                        target + " stopped (pid " + pid.orElse(-1) + ")");
            }
        }
    }

    /** {@code cluster start NODE}: starts one node and waits until it serves. */
    @Command(name = "start", description = "Start a node and wait until it serves (a controller leads or follows, a broker is active).")
    public static final class Start implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Parameters(paramLabel = "NODE", description = "controller-N or broker-N")
        String node;
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "How long to wait for the node to serve (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        public Start(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (LocalCluster cluster = ClusterAccess.open(env)) {
                NodeName target = cluster.node(node);
                if (!cluster.start(target)) {
                    report(env, json, target, cluster.pid(target), "already_running",
                            target + " is already running (pid " + cluster.pid(target).orElse(-1) + ")");
                    return;
                }
                cluster.awaitNodeServing(target, Duration.ofSeconds(timeoutSeconds));
                OptionalLong pid = cluster.pid(target);
                report(env, json, target, pid, "started", target + " started (pid " + pid.orElse(-1) + ") and serves");
            }
        }
    }

    /** {@code cluster down}: stops every node; the data stays unless asked otherwise. */
    @Command(name = "down", description = "Stop every node cleanly. The data stays (the next 'up' restarts the same cluster) unless --delete-data.")
    public static final class Down implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Option(names = "--delete-data", description = "Also delete the cluster directory (topics, logs, everything).")
        boolean deleteData;

        public Down(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (LocalCluster cluster = ClusterAccess.open(env)) {
                cluster.down();
                if (deleteData) {
                    cluster.deleteData();
                }
                if (json.enabled()) {
                    Json.print(env.out(), Json.object(
                            "stopped", cluster.topology().nodes().stream().map(NodeName::toString).toList(),
                            "data_deleted", deleteData, "directory", env.clusterDir().toString()));
                } else {
                    env.out().println("every node stopped; " + (deleteData
                            ? "deleted " + env.clusterDir() : "data kept in " + env.clusterDir()
                            + " (wharf cluster up restarts it; --delete-data removes it)"));
                }
            }
        }
    }

    /** {@code cluster failover}: measures kill -9 of the leader → next committed write. */
    @Command(name = "failover", description = "Kill the leader controller N times; time from the kill to a committed metadata write.")
    public static final class Failover implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Option(names = "--trials", paramLabel = "N", defaultValue = "5", description = "Trials (1-100; default ${DEFAULT-VALUE}).")
        int trials;
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "90",
                description = "How long to wait for a healthy quorum between trials (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;
        @Spec CommandSpec spec;

        public Failover(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            requireRange(spec, "--trials", trials, 1, 100);
            requireRange(spec, "--timeout", timeoutSeconds, 1, 3600);
            try (LocalCluster cluster = ClusterAccess.open(env)) {
                FailoverSummary summary = new ControllerFailover(cluster, Duration.ofSeconds(timeoutSeconds), env.channels())
                        .run(trials, trial -> {
                            if (!json.enabled()) {
                                env.out().printf("trial %d: killed %s at %s; %s committed a write after %.1f ms%n",
                                        trial.trial(), trial.killed(), trial.killedAt().substring(11), trial.newLeader(),
                                        trial.ms());
                                env.out().flush();
                            }
                        });
                if (json.enabled()) {
                    Json.print(env.out(), summary);
                } else {
                    env.out().printf("%d trials: min %.1f ms, median %.1f ms, max %.1f ms%n", summary.trials().size(),
                            summary.minMs(), summary.medianMs(), summary.maxMs());
                }
            }
        }
    }

    static void requireRange(CommandSpec spec, String option, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw new ParameterException(spec.commandLine(),
                    option + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void report(CliEnvironment env, JsonOption json, NodeName node, OptionalLong pid, String action,
                               String doneMessage) {
        if (json.enabled()) {
            Json.print(env.out(), Json.object("node", node.toString(), "action", action,
                    "pid", pid.isPresent() ? pid.getAsLong() : null));
        } else if (action.equals("not_running")) {
            env.out().println(node + " was not running");
        } else {
            env.out().println(doneMessage);
        }
    }
}
