package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.view.QueueView;
import io.wharf.client.admin.AdminClient;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wharf queues ...}: declare, list, describe, purge and delete queues. Declare and list go
 * to the controllers; describe, purge and delete to the queue's leader, found through them.
 * Single-threaded; one per invocation.
 */
@Command(name = QueuesCommand.NAME, description = "Declare, list, describe, purge and delete queues.",
        subcommands = {QueuesCommand.Declare.class, QueuesCommand.ListQueues.class, QueuesCommand.Describe.class,
                QueuesCommand.Purge.class, QueuesCommand.Delete.class})
public final class QueuesCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "queues";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: declare, list, describe, purge or delete");
    }

    /** {@code queues declare NAME [--arg k=v]... [--replication-factor N]}. */
    @Command(name = "declare", description = "Declare a queue (again with the same arguments: no change).")
    public static final class Declare implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "Queue name.")
        String name;
        @Option(names = "--arg", paramLabel = "KEY=VALUE",
                description = "An x-argument (x-single-active-consumer=true, x-max-length=N, ...); repeatable.")
        Map<String, String> arguments = new LinkedHashMap<>();
        @Option(names = "--replication-factor", defaultValue = "0", paramLabel = "N",
                description = "Replicas of the queue's log; 0 for the cluster default (3, capped at the brokers).")
        int replicationFactor;

        public Declare(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            if (replicationFactor < 0) {
                throw new IllegalArgumentException("--replication-factor must not be negative, got " + replicationFactor);
            }
            QueueView queue;
            try (AdminClient admin = bootstrap.connect(env)) {
                queue = QueueView.of(admin.declareQueue(name, arguments, replicationFactor));
            }
            if (json.enabled()) {
                Json.print(env.out(), queue);
            } else {
                env.out().println("Declared queue " + name + " (leader " + leaderText(queue.leader()) + ", replicas "
                        + MetadataCommand.join(queue.replicas()) + ").");
            }
        }
    }

    /** {@code queues list}. */
    @Command(name = "list", description = "List every queue with its log's leader, replicas and ISR.")
    public static final class ListQueues implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;

        public ListQueues(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            List<QueueView> queues;
            try (AdminClient admin = bootstrap.connect(env)) {
                queues = admin.listQueues().stream().map(QueueView::of).toList();
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("queues", queues));
                return;
            }
            TextTable table = new TextTable("NAME", "LEADER", "REPLICAS", "ISR", "ARGUMENTS");
            queues.forEach(q -> table.row(q.name(), leaderText(q.leader()), MetadataCommand.join(q.replicas()),
                    MetadataCommand.join(q.isr()), join(q.arguments())));
            table.print(env.out());
        }
    }

    /** {@code queues describe NAME}: the leader's counts and consumers, and the log's placement. */
    @Command(name = "describe", description = "Describe a queue: ready and unacked messages, consumers, leader and ISR.")
    public static final class Describe implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "The queue to describe.")
        String name;

        public Describe(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            QueueView queue;
            try (AdminClient admin = bootstrap.connect(env)) {
                queue = QueueView.of(admin.describeQueue(name));
            }
            if (json.enabled()) {
                Json.print(env.out(), queue);
            } else {
                print(queue, env.out());
            }
        }

        private static void print(QueueView q, PrintWriter out) {
            out.printf("Queue: %s\tQueueId: %s\tTopic: %s\tLeader: %s\tReplicas: %s\tIsr: %s\tArguments: %s%n",
                    q.name(), q.queueId(), q.topic(), leaderText(q.leader()), MetadataCommand.join(q.replicas()),
                    MetadataCommand.join(q.isr()), join(q.arguments()));
            out.printf("\tReady: %d\tUnacked: %d\tReadyBytes: %d\tConsumers: %d%n", q.ready(), q.unacked(),
                    q.readyBytes(), q.consumers().size());
            out.printf("\tDeadLettering: %d\tDeadLettersDropped: %d\tDiscarded: %s%n", q.deadLettering(),
                    q.deadLettersDropped(), q.discarded().isEmpty() ? "-" : join(q.discarded()));
            if (!q.consumers().isEmpty()) {
                TextTable consumers = new TextTable("CONSUMER-TAG", "PREFETCH", "UNACKED", "ACTIVE", "NO-ACK",
                        "EXCLUSIVE");
                q.consumers().forEach(c -> consumers.row(c.consumerTag(), c.prefetch(), c.unacked(), c.active(),
                        c.noAck(), c.exclusive()));
                consumers.print(out);
            }
        }
    }

    /** {@code queues purge NAME}. */
    @Command(name = "purge", description = "Drop a queue's ready messages (delivered ones stay).")
    public static final class Purge implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "The queue to purge.")
        String name;

        public Purge(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            long purged;
            try (AdminClient admin = bootstrap.connect(env)) {
                purged = admin.purgeQueue(name);
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("name", name, "purged", purged));
            } else {
                env.out().println("Purged " + purged + " messages from queue " + name + ".");
            }
        }
    }

    /** {@code queues delete NAME [--if-unused] [--if-empty]}. */
    @Command(name = "delete", description = "Delete a queue, its bindings and its messages.")
    public static final class Delete implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "The queue to delete.")
        String name;
        @Option(names = "--if-unused", description = "Refuse while it has consumers.")
        boolean ifUnused;
        @Option(names = "--if-empty", description = "Refuse while it holds messages.")
        boolean ifEmpty;

        public Delete(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            long messages;
            try (AdminClient admin = bootstrap.connect(env)) {
                messages = admin.deleteQueue(name, ifUnused, ifEmpty);
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("name", name, "deleted", true, "messages", messages));
            } else {
                env.out().println("Deleted queue " + name + " (" + messages + " messages).");
            }
        }
    }

    static String leaderText(int leader) {
        return leader < 0 ? "none" : String.valueOf(leader);
    }

    /** {@code k=v,k=v} in key order, "" for none. */
    static String join(Map<String, ?> arguments) {
        return new TreeMap<>(arguments).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
