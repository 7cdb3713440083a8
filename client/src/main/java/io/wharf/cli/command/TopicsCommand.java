package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.cli.view.TopicView;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.LogDescriptions;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.admin.TopicDescriptions;
import io.wharf.client.admin.TopicOutcome;
import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf topics ...}, after Kafka's kafka-topics tool. Single-threaded; one per invocation. */
@Command(name = TopicsCommand.NAME, description = "Create, list, describe and delete topics.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
                TopicsCommand.Delete.class, TopicsCommand.Alter.class, TopicsCommand.ElectLeaders.class})
public final class TopicsCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "topics";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: create, list, describe, delete, alter or elect-leaders");
    }

    /** {@code topics create NAME --partitions P --replication-factor R [--config key=value]...}. */
    @Command(name = "create", description = "Create a topic.")
    public static final class Create implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "Topic name: 1-249 characters of [a-zA-Z0-9._-], not . or ..")
        String name;
        @Option(names = "--partitions", required = true, paramLabel = "P", description = "Number of partitions.")
        int partitions;
        @Option(names = "--replication-factor", required = true, paramLabel = "R", description = "Replicas per partition.")
        int replicationFactor;
        @Option(names = "--config", paramLabel = "KEY=VALUE",
                description = "A topic config (retention.ms, retention.bytes, min.insync.replicas, segment.bytes, "
                        + "cleanup.policy=compact, ...; docs/configuration.md lists them); repeatable.")
        Map<String, String> configs = new LinkedHashMap<>();

        public Create(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (AdminClient admin = bootstrap.connect(env)) {
                TopicOutcome outcome = admin.createTopics(List.of(new NewTopic(name, partitions, replicationFactor, configs))).get(0);
                requireSucceeded(outcome, "creating");
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("name", name, "created", true));
                } else {
                    env.out().println("Created topic " + name + ".");
                }
            }
        }
    }

    /** {@code topics list}. */
    @Command(name = "list", description = "List every topic name.")
    public static final class ListTopics implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;

        public ListTopics(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (AdminClient admin = bootstrap.connect(env)) {
                List<String> names = admin.listTopics();
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("topics", names));
                } else {
                    names.forEach(env.out()::println);
                }
            }
        }
    }

    /**
     * {@code topics describe [NAME...]}: per topic its cleanup policy and configs, per partition the
     * assignment from the controllers and, from its leader, the log size and (compacted topics) the
     * dirty ratio; a leader that cannot be asked leaves "-" and a line on stderr.
     */
    @Command(name = "describe", description = "Describe topics (every topic when no name is given): partitions, "
            + "leaders, replicas, ISR, and from the leaders the log size and, for compacted topics, the dirty ratio.")
    public static final class Describe implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", arity = "0..*", description = "Topics to describe.")
        List<String> names = List.of();

        public Describe(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (AdminClient admin = bootstrap.connect(env)) {
                TopicDescriptions result = admin.describeTopics(names);
                LogDescriptions logs = result.topics().isEmpty() ? new LogDescriptions(Map.of(), List.of())
                        : admin.describeLogs(result.topics());
                for (LogDescriptions.Failure failure : logs.failures()) {
                    env.err().println("wharf: could not describe the logs of " + failure.partitions().stream()
                            .map(TopicPartition::toString).collect(Collectors.joining(", ")) + ": " + failure.reason()
                            + "; their log columns show -");
                }
                List<TopicView> topics = result.topics().stream().map(topic -> TopicView.of(topic, logs.logs()))
                        .sorted((a, b) -> a.name().compareTo(b.name())).toList();
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("topics", topics, "errors", result.errors().stream()
                            .map(e -> Json.object("name", e.name(), "code", e.error().name(), "message", e.message()))
                            .toList()));
                } else {
                    topics.forEach(this::print);
                }
                if (!result.errors().isEmpty()) {
                    TopicOutcome first = result.errors().get(0);
                    throw new CliException(first.error().name(), "Error while describing topic " + first.name() + ": "
                            + first.error() + ": " + first.message());
                }
            }
        }

        private void print(TopicView topic) {
            env.out().printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tCleanupPolicy: %s"
                            + "\tConfigs: %s%n",
                    topic.name(), topic.topicId(), topic.partitionCount(), topic.replicationFactor(),
                    topic.cleanupPolicy(), topic.configs().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(",")));
            for (TopicView.Partition p : topic.partitions()) {
                env.out().printf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\tLeaderEpoch: %d"
                                + "\tLogSize: %s%s%n",
                        topic.name(), p.id(), p.leader() < 0 ? "none" : p.leader(), MetadataCommand.join(p.replicas()),
                        MetadataCommand.join(p.isr()), p.leaderEpoch(), p.log() == null ? "-" : p.log().sizeBytes(),
                        topic.compacts() ? "\tDirtyRatio: " + dirtyRatio(p.log()) : "");
            }
        }

        /** Two decimals, as the cleaner's min.cleanable.dirty.ratio is usually written; "-" when unknown. */
        private static String dirtyRatio(TopicView.Log log) {
            return log == null || log.dirtyRatio() == null ? "-" : String.format(Locale.ROOT, "%.2f", log.dirtyRatio());
        }
    }

    /** {@code topics delete NAME}. */
    @Command(name = "delete", description = "Delete a topic.")
    public static final class Delete implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "The topic to delete.")
        String name;

        public Delete(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (AdminClient admin = bootstrap.connect(env)) {
                requireSucceeded(admin.deleteTopics(List.of(name)).get(0), "deleting");
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("name", name, "deleted", true));
                } else {
                    env.out().println("Deleted topic " + name + ".");
                }
            }
        }
    }

    /** {@code topics alter NAME [--config key=value]... [--delete-config key]...}, after kafka-configs --alter. */
    @Command(name = "alter", description = "Set or remove topic configs; brokers apply them to the live partitions.")
    public static final class Alter implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "The topic to change.")
        String name;
        @Option(names = "--config", paramLabel = "KEY=VALUE",
                description = "A topic config to set (retention.ms, retention.bytes, min.insync.replicas, "
                        + "segment.bytes, segment.ms, max.message.bytes, cleanup.policy, min.cleanable.dirty.ratio, ...; "
                        + "docs/configuration.md lists them); repeatable.")
        Map<String, String> set = new LinkedHashMap<>();
        @Option(names = "--delete-config", paramLabel = "KEY", description = "A config to return to its default; repeatable.")
        List<String> delete = new ArrayList<>();
        @Spec
        CommandSpec spec;

        public Alter(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            if (set.isEmpty() && delete.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "name at least one --config or --delete-config");
            }
            try (AdminClient admin = bootstrap.connect(env)) {
                requireSucceeded(admin.alterTopicConfigs(name, set, delete), "altering");
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("name", name, "set", set, "deleted", delete));
                } else {
                    env.out().println("Altered topic " + name + ".");
                }
            }
        }
    }

    /**
     * {@code topics elect-leaders [NAME [--partition P]]}: preferred-replica leader election, after
     * Kafka's kafka-leader-election --election-type preferred. Fails when a partition could not move
     * for any reason but "its preferred replica already leads".
     */
    @Command(name = "elect-leaders", description = "Move leaderships back to preferred replicas (the first of each "
            + "partition's replicas): of one partition, one topic, or every topic.")
    public static final class ElectLeaders implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", arity = "0..1", description = "The topic; every topic when omitted.")
        String name;
        @Option(names = "--partition", paramLabel = "P", description = "Only this partition of the topic.")
        Integer partition;
        @Spec
        CommandSpec spec;

        public ElectLeaders(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            if (partition != null && name == null) {
                throw new ParameterException(spec.commandLine(), "--partition needs a topic: topics elect-leaders NAME --partition P");
            }
            try (AdminClient admin = bootstrap.connect(env)) {
                List<TopicPartition> partitions = List.of();
                if (partition != null) {
                    partitions = List.of(new TopicPartition(name, partition));
                } else if (name != null) {
                    TopicDescriptions described = admin.describeTopics(List.of(name));
                    if (!described.errors().isEmpty()) {
                        requireSucceeded(described.errors().get(0), "describing");
                    }
                    partitions = described.topics().get(0).getPartitionsList().stream()
                            .map(p -> new TopicPartition(name, p.getPartition())).toList();
                }
                List<TopicOutcome> outcomes = admin.electPreferredLeaders(partitions);
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("partitions", outcomes.stream()
                            .map(o -> Json.object("partition", o.name(), "code", o.error().name(), "message", o.message()))
                            .toList()));
                } else if (outcomes.isEmpty()) {
                    env.out().println("Every partition is led by its preferred replica.");
                } else {
                    outcomes.forEach(o -> env.out().println(o.succeeded()
                            ? "Elected the preferred replica of " + o.name() + "."
                            : o.name() + ": " + o.error() + ": " + o.message()));
                }
                outcomes.stream().filter(o -> !o.succeeded() && o.error() != ErrorCode.ELECTION_NOT_NEEDED).findFirst()
                        .ifPresent(o -> {
                            throw new CliException(o.error().name(), "Leader election failed for " + o.name() + ": "
                                    + o.error() + ": " + o.message());
                        });
            }
        }
    }

    private static void requireSucceeded(TopicOutcome outcome, String action) {
        if (!outcome.succeeded()) {
            throw new CliException(outcome.error().name(), "Error while " + action + " topic " + outcome.name() + ": "
                    + outcome.error() + ": " + outcome.message());
        }
    }
}
