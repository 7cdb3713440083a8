package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.bench.GroupLeaveTrial;
import io.wharf.cli.bench.TrialSummary;
import io.wharf.client.Endpoint;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wharf bench group-leave}: reassignment after a clean leave (issue #9). Each trial, in a
 * new group, members A and B share the topic's partitions; A closes (its leave heartbeat) and the
 * figure is the time from A's close starting to B's rebalance listener owning every partition.
 * bench/kafka/GroupLeaveReassignment.java measures Kafka the same way. Single-threaded (each member
 * polls on its own thread).
 */
@Command(name = "group-leave", description = "Time from a member's clean leave until the other member of its "
        + "group owns every partition.")
public final class GroupLeaveBench implements Runnable {
    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Option(names = "--topic", required = true, paramLabel = "T",
            description = "Topic the two members subscribe to; must exist and have at least 2 partitions.")
    String topic;
    @Option(names = "--trials", defaultValue = "5", paramLabel = "N",
            description = "Trials, each with a new group (default ${DEFAULT-VALUE}).")
    int trials;
    @Option(names = "--timeout-ms", defaultValue = "60000", paramLabel = "T",
            description = "Give up when a phase (finding the topic, the members sharing its partitions, B owning "
                    + "them all, a member closing) takes longer than T ms (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    public GroupLeaveBench(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        if (trials < 1 || timeoutMs < 1) {
            throw new IllegalArgumentException("--trials and --timeout-ms must be at least 1");
        }
        List<Endpoint> endpoints = bootstrap.endpoints(env);
        GroupLeaveTrial trial = new GroupLeaveTrial(endpoints, topic, partitionCount(endpoints), timeoutMs,
                env.channels());
        // one id per run, so that each trial's group is new even when the command runs again
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Double> times = new ArrayList<>();
        for (int i = 1; i <= trials; i++) {
            String group = "bench-group-leave-" + run + "-" + i;
            double ms = trial.measure(group);
            times.add(ms);
            if (!json.enabled()) {
                env.out().printf(Locale.ROOT, "trial %d: B owned all partitions %.1f ms after A began to close "
                        + "(group %s)%n", i, ms, group);
                env.out().flush();
            }
        }
        TrialSummary summary = TrialSummary.of(times);
        if (json.enabled()) {
            Json.print(env.out(), summary.toJson());
        } else {
            env.out().println(summary.toText());
        }
    }

    private int partitionCount(List<Endpoint> endpoints) {
        ConsumerConfig lookup = ConsumerConfig.builder(endpoints).defaultApiTimeout(Duration.ofMillis(timeoutMs)).build();
        try (Consumer consumer = new Consumer(lookup, env.channels())) {
            return consumer.partitionsFor(topic).size();
        }
    }
}
