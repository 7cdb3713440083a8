package io.wharf.broker;

import io.wharf.config.ConfigDocTable;
import io.wharf.config.TopicConfigKeys;
import io.wharf.controller.ControllerConfigKeys;

/**
 * Renders docs/configuration.md: the hand-written text around it is kept, and the section between
 * {@link #BEGIN} and {@link #END} is generated from the key definitions of the controller, the
 * broker and topics. Stateless.
 */
final class ConfigurationPage {

    /** The command that rewrites the page from the definitions. */
    static final String REGENERATE = "./mvnw -o -q -pl broker-node -am test -Dtest=ConfigurationDocTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dwharf.regenerate.docs=true";
    static final String BEGIN = "<!-- Generated from ControllerConfigKeys, BrokerConfigKeys and TopicConfigKeys"
            + " by ConfigurationDocTest; edit those, then run: " + REGENERATE + " -->\n";
    static final String END = "<!-- End of the generated section. -->\n";

    private ConfigurationPage() {
    }

    /**
     * {@code current} with its generated section rendered afresh.
     *
     * @throws IllegalArgumentException when {@code current} lacks the markers
     */
    static String render(String current) {
        int begin = current.indexOf(BEGIN);
        int end = current.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("docs/configuration.md has lost its markers " + BEGIN.strip()
                    + " and " + END.strip());
        }
        return current.substring(0, begin) + BEGIN + generated() + END + current.substring(end + END.length());
    }

    private static String generated() {
        return "## Controller (`io.wharf.controller.ControllerMain`)\n\n"
                + "An unknown key is an error. Keys starting with `" + ControllerConfigKeys.RATIS_PREFIX + "` are"
                + " passed to Apache Ratis verbatim with the prefix removed (for knobs Wharf does not name, e.g. `"
                + ControllerConfigKeys.RATIS_PREFIX + "raft.server.log.segment.size.max=32MB`); Ratis checks them at"
                + " start. `raft.rpc.timeout.max.ms` must exceed `raft.rpc.timeout.min.ms`.\n\n"
                + ConfigDocTable.render(ControllerConfigKeys.SET)
                + "\n## Broker (`io.wharf.broker.BrokerMain`)\n\n"
                + "An unknown key is an error. `advertised.host` may not be a wildcard address; the"
                + " `group.consumer.*` timeouts must satisfy min ≤ default ≤ max and heartbeat < session.\n\n"
                + ConfigDocTable.render(BrokerConfigKeys.SET)
                + "\n## Topic configs\n\n"
                + "Set with `wharf topics create … --config key=value`, changed later with `wharf topics alter NAME"
                + " --config key=value --delete-config key` (brokers apply the change to the live partitions);"
                + " validated by the controller against these definitions (`io.wharf.config.TopicConfigKeys`); an"
                + " invalid value is refused with `INVALID_CONFIG` and nothing changes. `min.insync.replicas` may"
                + " not exceed the topic's replication factor, nor `min.compaction.lag.ms` its"
                + " `max.compaction.lag.ms`. A topic that does not set `retention.ms` or `retention.bytes` gets its"
                + " broker's `log.retention.ms` or `log.retention.bytes`, whose defaults are the ones shown.\n\n"
                + ConfigDocTable.render(TopicConfigKeys.SET)
                + "\n";
    }
}
