package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.client.group.GroupAdmin;
import io.wharf.client.group.GroupDescription;
import io.wharf.client.group.GroupListing;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf groups ...}, after Kafka's kafka-consumer-groups tool. Single-threaded; one per invocation. */
@Command(name = GroupsCommand.NAME, description = "List, describe, reset and delete consumer groups.",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, ResetOffsetsCommand.class,
                GroupsCommand.Delete.class, GroupsCommand.DeleteOffsets.class})
public final class GroupsCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "groups";

    /** How long one groups command retries an unavailable coordinator before it gives up. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "name a subcommand: list, describe, reset-offsets, delete or delete-offsets");
    }

    static GroupAdmin connect(BrokerBootstrapOption bootstrap, CliEnvironment env) {
        return new GroupAdmin(bootstrap.endpoints(env), TIMEOUT, env.channels());
    }

    /** {@code groups list}: every group of the cluster (each broker is asked for the groups it coordinates). */
    @Command(name = "list", description = "List every consumer group with its state and member count.")
    public static final class ListGroups implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BrokerBootstrapOption bootstrap;

        public ListGroups(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (GroupAdmin admin = connect(bootstrap, env)) {
                List<GroupListing> groups = admin.listGroups();
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("groups", groups.stream().map(g -> Json.object("group", g.groupId(),
                            "state", g.state(), "members", g.members())).toList()));
                    return;
                }
                TextTable table = new TextTable("GROUP", "STATE", "MEMBERS");
                groups.forEach(g -> table.row(g.groupId(), g.state(), g.members()));
                table.print(env.out());
            }
        }
    }

    /** {@code groups describe GROUP}: state, epochs, members, and per partition offset, log-end offset and lag. */
    @Command(name = "describe", description = "Describe a group: state, epochs, members and, per partition, "
            + "the committed offset, log-end offset and lag.")
    public static final class Describe implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BrokerBootstrapOption bootstrap;
        @Parameters(paramLabel = "GROUP", description = "The group id.")
        String group;

        public Describe(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (GroupAdmin admin = connect(bootstrap, env)) {
                GroupDescription description;
                try {
                    description = admin.describeGroup(group);
                } catch (ClientException e) {
                    if (e.code() == ErrorCode.GROUP_ID_NOT_FOUND) {
                        throw new CliException(e.code().name(), "group '" + group
                                + "' does not exist; wharf groups list shows the ones that do");
                    }
                    throw e;
                }
                if (json.enabled()) {
                    Json.print(env.out(), toJson(description));
                } else {
                    print(description);
                }
            }
        }

        private void print(GroupDescription d) {
            env.out().printf("Group %s: state %s, group epoch %d, assignment epoch %d, coordinator broker %d, %d members%n%n",
                    d.groupId(), d.state(), d.groupEpoch(), d.assignmentEpoch(), d.coordinatorId(), d.members().size());
            TextTable partitions = new TextTable("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                    "MEMBER", "HOST");
            d.partitions().forEach(p -> partitions.row(d.groupId(), p.partition().topic(), p.partition().partition(),
                    p.committedOffset(), p.logEndOffset(), p.lag(), p.memberId(), p.host()));
            partitions.print(env.out());
            if (d.members().isEmpty()) {
                return;
            }
            env.out().println();
            TextTable members = new TextTable("MEMBER", "INSTANCE", "HOST", "EPOCH", "STATE", "SUBSCRIPTION", "ASSIGNMENT");
            for (GroupDescription.Member m : d.members()) {
                members.row(m.memberId(), m.instanceId().isEmpty() ? null : m.instanceId(), m.host(), m.memberEpoch(),
                        m.state(), m.subscribedRegex().isEmpty() ? String.join(",", m.subscribedTopics())
                                : "/" + m.subscribedRegex() + "/", join(m.assigned()));
            }
            members.print(env.out());
        }

        private static Map<String, Object> toJson(GroupDescription d) {
            return Json.object("group", d.groupId(), "state", d.state(), "groupEpoch", d.groupEpoch(),
                    "assignmentEpoch", d.assignmentEpoch(), "coordinator", d.coordinatorId(),
                    "members", d.members().stream().map(m -> Json.object("memberId", m.memberId(),
                            "instanceId", m.instanceId().isEmpty() ? null : m.instanceId(), "host", m.host(),
                            "memberEpoch", m.memberEpoch(), "state", m.state(), "subscribedTopics", m.subscribedTopics(),
                            "subscribedRegex", m.subscribedRegex().isEmpty() ? null : m.subscribedRegex(),
                            "assigned", m.assigned().stream().map(TopicPartition::toString).toList(),
                            "target", m.target().stream().map(TopicPartition::toString).toList())).toList(),
                    "partitions", d.partitions().stream().map(p -> Json.object("topic", p.partition().topic(),
                            "partition", p.partition().partition(), "currentOffset", p.committedOffset(),
                            "logEndOffset", p.logEndOffset(), "lag", p.lag(), "memberId", p.memberId(),
                            "host", p.host())).toList());
        }

        private static String join(List<TopicPartition> partitions) {
            return partitions.isEmpty() ? "-" : partitions.stream().map(TopicPartition::toString)
                    .collect(Collectors.joining(","));
        }
    }

    /** {@code groups delete GROUP}: a group without members, and its offsets. */
    @Command(name = "delete", description = "Delete a group that has no members, with its committed offsets.")
    public static final class Delete implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BrokerBootstrapOption bootstrap;
        @Parameters(paramLabel = "GROUP", description = "The group id.")
        String group;

        public Delete(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (GroupAdmin admin = connect(bootstrap, env)) {
                int deleted = refusedWhileActive(() -> admin.deleteGroup(group), group);
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("group", group, "deleted", true, "offsetsDeleted", deleted));
                } else {
                    env.out().println("Deleted group " + group + " and its " + deleted + " committed offsets.");
                }
            }
        }
    }

    /** {@code groups delete-offsets GROUP --topic T}: a topic's offsets, which no member may subscribe to. */
    @Command(name = "delete-offsets", description = "Delete a group's committed offsets of one topic "
            + "(no member may subscribe to it).")
    public static final class DeleteOffsets implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BrokerBootstrapOption bootstrap;
        @Parameters(paramLabel = "GROUP", description = "The group id.")
        String group;
        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic whose offsets go.")
        String topic;

        public DeleteOffsets(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (GroupAdmin admin = connect(bootstrap, env)) {
                int deleted;
                try {
                    deleted = admin.deleteOffsets(group, topic);
                } catch (ClientException e) {
                    if (e.code() == ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC) {
                        throw new CliException(e.code().name(), "a member of group '" + group + "' still subscribes "
                                + "to topic '" + topic + "'; stop it or change its subscription first ("
                                + e.getMessage() + ")");
                    }
                    throw e;
                }
                if (json.enabled()) {
                    Json.print(env.out(), Json.object("group", group, "topic", topic, "offsetsDeleted", deleted));
                } else {
                    env.out().println("Deleted " + deleted + " committed offsets of topic " + topic + " from group "
                            + group + ".");
                }
            }
        }
    }

    /** Runs an operation that needs an empty group, turning NON_EMPTY_GROUP into a message saying what to do. */
    static <T> T refusedWhileActive(Supplier<T> operation, String group) {
        try {
            return operation.get();
        } catch (ClientException e) {
            if (e.code() == ErrorCode.NON_EMPTY_GROUP) {
                throw new CliException(e.code().name(), "group '" + group + "' has active members; stop its "
                        + "consumers first (wharf groups describe " + group + " lists them)");
            }
            throw e;
        }
    }
}
