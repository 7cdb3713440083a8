package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.view.MetadataView;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.TopicDescriptions;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.QueueInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code wharf metadata}: controllers, brokers, topics, exchanges, queues and bindings in one view. One per invocation; its reads run on threads of its own. */
@Command(name = MetadataCommand.NAME, description = "Show controllers (roles, terms), brokers (states, epochs), topics (leaders, ISRs), exchanges, queues and bindings.")
public final class MetadataCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "metadata";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;

    public MetadataCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        MetadataView view;
        // The five reads at once: each is a round trip to the controllers, and only the first one
        // has to wait for the connection, which then carries all five.
        ExecutorService reads = Executors.newFixedThreadPool(4);
        try (AdminClient admin = bootstrap.connect(env)) {
            CompletableFuture<TopicDescriptions> topics = CompletableFuture.supplyAsync(() -> admin.describeTopics(List.of()), reads);
            CompletableFuture<List<ExchangeInfo>> exchanges = CompletableFuture.supplyAsync(admin::listExchanges, reads);
            CompletableFuture<List<QueueInfo>> queues = CompletableFuture.supplyAsync(admin::listQueues, reads);
            CompletableFuture<List<BindingInfo>> bindings = CompletableFuture.supplyAsync(() -> admin.listBindings(""), reads);
            DescribeClusterResponse cluster = admin.describeCluster();
            view = MetadataView.of(cluster, answer(topics).topics(), answer(exchanges), answer(queues), answer(bindings));
        } finally {
            reads.shutdownNow();
        }
        if (json.enabled()) {
            Json.print(env.out(), view);
        } else {
            print(view, env.out());
        }
    }

    /** The read's result, or the exception it failed with, as the CLI reports it. */
    private static <T> T answer(CompletableFuture<T> read) {
        try {
            return read.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    private static void print(MetadataView view, PrintWriter out) {
        out.println("Controllers");
        TextTable controllers = new TextTable("ID", "ADDRESS", "ROLE", "TERM", "APPLIED");
        view.controllers().forEach(c -> controllers.row(c.id(), c.address(), c.role(),
                StatusPrinter.known(c.term()), StatusPrinter.known(c.appliedIndex())));
        controllers.print(out);
        out.println();
        out.println("Brokers");
        TextTable brokers = new TextTable("ID", "ENDPOINT", "STATE", "EPOCH", "LAST-HEARTBEAT");
        view.brokers().forEach(b -> brokers.row(b.id(), b.endpoint(), b.state(), b.epoch(),
                b.msSinceHeartbeat() < 0 ? "-" : b.msSinceHeartbeat() + " ms ago"));
        brokers.print(out);
        out.println();
        out.println("Topics");
        TextTable topics = new TextTable("TOPIC", "PARTITION", "LEADER", "LEADER-EPOCH", "REPLICAS", "ISR");
        view.topics().forEach(t -> t.partitions().forEach(p -> topics.row(t.name(), p.id(), p.leader(), p.leaderEpoch(),
                join(p.replicas()), join(p.isr()))));
        topics.print(out);
        out.println();
        out.println("Exchanges");
        TextTable exchanges = new TextTable("EXCHANGE", "TYPE", "INTERNAL", "BUILTIN", "ARGUMENTS");
        view.exchanges().forEach(e -> exchanges.row(e.name().isEmpty() ? "(default)" : e.name(), e.type(),
                e.internal(), e.builtin(), e.arguments().isEmpty() ? "" : e.arguments().toString()));
        exchanges.print(out);
        out.println();
        out.println("Queues");
        TextTable queues = new TextTable("QUEUE", "LEADER", "REPLICAS", "ISR", "ARGUMENTS");
        view.queues().forEach(q -> queues.row(q.name(), q.leader(), join(q.replicas()), join(q.isr()),
                q.arguments().isEmpty() ? "" : q.arguments().toString()));
        queues.print(out);
        out.println();
        out.println("Bindings");
        TextTable bindings = new TextTable("SOURCE", "DESTINATION", "KIND", "ROUTING-KEY", "ARGUMENTS");
        view.bindings().forEach(b -> bindings.row(b.source(), b.destination(), b.destinationKind(), b.routingKey(),
                b.arguments().isEmpty() ? "" : b.arguments().toString()));
        bindings.print(out);
    }

    static String join(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
