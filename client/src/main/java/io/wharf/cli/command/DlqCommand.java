package io.wharf.cli.command;

import io.wharf.cli.CliException;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.proto.common.BrokerState;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code wharf dlq ...}: find the dead-letter queues and topics and see who watches the queues
 * ({@code list}), look at dead letters and their death history (x-death, {@code error.*} headers)
 * without taking them ({@code show}), and move them back ({@code replay}). {@code --bootstrap}
 * names controllers; the brokers are learned from them.
 * For topics consumed with the SDK's dead-letter loop in ordered mode: list a group's blocked keys
 * ({@code blocked}) and release one ({@code release}); these take brokers as {@code --bootstrap}.
 * Single-threaded; one per invocation.
 */
@Command(name = DlqCommand.NAME, description = "Monitor and replay the dead letters of queues and topics; list and release "
        + "the keys ordered mode blocked.",
        subcommands = {DlqListCommand.class, DlqShowCommand.class, DlqReplayCommand.class, DlqBlockedCommand.class,
                DlqReleaseCommand.class})
public final class DlqCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "dlq";

    /**
     * How long a peek or replay waits for the next message once the expected ones stopped coming
     * (messages held by other consumers never come).
     */
    static final Duration IDLE = Duration.ofSeconds(2);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: list, show, replay, blocked or release");
    }

    /**
     * A consumer without a group that reads dead-letter topics: a lookup of a topic that does not
     * exist gives up after 10 s rather than the default minute.
     */
    static ConsumerConfig topicReaderConfig(List<Endpoint> brokers) {
        return ConsumerConfig.builder(brokers).fetchMaxWait(Duration.ofMillis(100))
                .defaultApiTimeout(Duration.ofSeconds(10)).build();
    }

    /** The active brokers as the controllers list them: where the dlq commands consume and publish. */
    static List<Endpoint> brokers(AdminClient admin) {
        List<Endpoint> brokers = admin.describeCluster().getBrokersList().stream()
                .filter(b -> b.getState() == BrokerState.ACTIVE).map(b -> new Endpoint(b.getHost(), b.getPort()))
                .toList();
        if (brokers.isEmpty()) {
            throw new CliException("NO_BROKER", "the controllers list no active broker to read the dead letters "
                    + "from; start one (wharf cluster status shows them)");
        }
        return brokers;
    }
}
